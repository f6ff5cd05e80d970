"""What the user edits and owns: memberships of workspaces, drafts, datasets, uploads, custom modules
(workspaces and pipeline versions are the engine's: engine.models)."""
from __future__ import annotations

from django.conf import settings
from django.db import models

# the engine owns workspaces and frozen versions (a worker imports no designer code); re-exported
# here so `from designer.models import Workspace` keeps working
from engine.models import PipelineVersion, Workspace

__all__ = ["Workspace", "PipelineVersion", "Membership", "Draft", "Dataset", "Upload", "CustomModule"]


class Membership(models.Model):
    class Role(models.TextChoices):
        OWNER = "owner"
        EDITOR = "editor"
        VIEWER = "viewer"

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.EDITOR)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "user"], name="one_membership_per_user")]


class Draft(models.Model):
    """An editable pipeline graph document."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="drafts")
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="")
    document = models.JSONField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    revision = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-updated_at", "-id"]


class Dataset(models.Model):
    """A registered data set: one version of a name, pointing at a stored Parquet artifact."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="datasets")
    name = models.CharField(max_length=200)
    version = models.PositiveIntegerField()
    description = models.TextField(blank=True, default="")
    artifact = models.ForeignKey("engine.Artifact", on_delete=models.PROTECT, related_name="+")
    source_format = models.CharField(max_length=10)
    original_filename = models.CharField(max_length=255, blank=True, default="")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "-version"]
        constraints = [models.UniqueConstraint(fields=["workspace", "name", "version"], name="one_dataset_version")]


class Upload(models.Model):
    """A chunked, resumable dataset upload: bytes arrive in order into a part file named by the
    random id (never by a user's string); completing it checks size and SHA-256, then registers
    the dataset. A session without a chunk for UPLOAD_SESSION_TTL_SECONDS is deleted."""

    class Status(models.TextChoices):
        OPEN = "open"
        COMPLETED = "completed"

    id = models.CharField(primary_key=True, max_length=32, editable=False)  # 128 random bits, hex
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="uploads")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="")
    filename = models.CharField(max_length=255)
    encoding = models.CharField(max_length=40, blank=True, default="")
    size = models.BigIntegerField()
    sha256 = models.CharField(max_length=64)
    received = models.BigIntegerField(default=0)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    dataset = models.ForeignKey(Dataset, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField()  # the last chunk (or the creation): expiry counts from here

    class Meta:
        ordering = ["-created_at"]


class CustomModule(models.Model):
    """One version of a module a user registered from a Python file (or a zip of files): its
    declaration read in an isolated child (modules_catalog.custom), its bytes stored under their
    SHA-256 in the datastore. A key has at most one default version per workspace."""

    class Status(models.TextChoices):
        ACTIVE = "active"
        DEPRECATED = "deprecated"  # still runs; validation notes it
        DISABLED = "disabled"  # refused at validation and submit

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="custom_modules")
    key = models.CharField(max_length=64)
    version = models.CharField(max_length=50)
    label = models.CharField(max_length=200)
    category = models.CharField(max_length=100)
    declaration = models.JSONField()  # modules_catalog.custom.declaration()
    content_hash = models.CharField(max_length=64)  # SHA-256 of the uploaded bytes: the steps' source hash
    source_kind = models.CharField(max_length=3)  # "py" or "zip"
    entry = models.CharField(max_length=300)  # the file holding the declaration (within a zip)
    filename = models.CharField(max_length=255, blank=True, default="")  # as uploaded, for display
    missing_requirements = models.JSONField(default=list, blank=True)  # at registration, in this environment
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    is_default = models.BooleanField(default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["key", "id"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "key", "version"], name="one_custom_module_version"),
            models.UniqueConstraint(fields=["workspace", "key"], condition=models.Q(is_default=True),
                                    name="one_default_custom_module_version"),
        ]

    def __str__(self) -> str:
        return f"{self.key}@{self.version}"
