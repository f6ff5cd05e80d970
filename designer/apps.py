from django.apps import AppConfig


class DesignerConfig(AppConfig):
    name = "designer"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from config import checks  # noqa: F401 - registers the deploy checks of our settings
        from engine.exports import dataset_exported

        from .exports import on_dataset_exported

        dataset_exported.connect(on_dataset_exported, dispatch_uid="designer.exports")
