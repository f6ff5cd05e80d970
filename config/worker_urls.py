"""A worker serves no pages (config.worker_settings)."""
urlpatterns: list = []
