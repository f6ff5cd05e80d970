from django.apps import AppConfig


class DesignerConfig(AppConfig):
    name = "designer"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from config import checks  # noqa: F401 - registers the deploy checks of our settings
        from engine.exports import dataset_exported

        from .exports import on_dataset_exported

        dataset_exported.connect(on_dataset_exported, dispatch_uid="designer.exports")

        from django.db.models.signals import post_delete

        from .models import Draft
        from .services import forget_draft

        # runs and versions keep a loose reference to their draft (the engine knows no drafts)
        post_delete.connect(forget_draft, sender=Draft, dispatch_uid="designer.forget_draft")
