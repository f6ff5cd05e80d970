"""A workspace's compute targets, as the designer manages them: listed with the server's built-in
ones, created, edited and removed by its editors and owners (engine.compute_targets checks the
settings; the engine picks an edit up at the next launch)."""
from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.http import Http404

from engine.compute_targets import MAX_TARGETS_PER_WORKSPACE, TargetSettingsError, validate, validate_name
from engine.models import ComputeTarget, Workspace

from .selectors import workspace_ids
from .services import _require_editor


def builtin_targets() -> list[dict[str, Any]]:
    """The server's targets (settings.ENGINE["TARGETS"]): every workspace has them, none removes them."""
    out = []
    for name, conf in settings.ENGINE["TARGETS"].items():
        backend = str(conf.get("BACKEND", ""))
        kind = next((k for k in ("docker", "celery", "local") if f".{k}." in backend or backend.endswith(f".{k}")),
                    "local")
        out.append({"name": name, "kind": kind, "settings": {"concurrency": int(conf.get("CONCURRENCY", 1))}})
    return out


def compute_target_list(*, user, workspace: Workspace | None = None) -> QuerySet[ComputeTarget]:
    qs = ComputeTarget.objects.filter(workspace_id__in=workspace_ids(user=user)).select_related("workspace", "created_by")
    if workspace is not None:
        qs = qs.filter(workspace=workspace)
    return qs.order_by("workspace_id", "name")


def compute_target_get(*, user, target_id: int) -> ComputeTarget:
    try:
        return compute_target_list(user=user).get(pk=target_id)
    except (ComputeTarget.DoesNotExist, ValueError, TypeError):
        raise Http404(f"compute target {target_id} not found") from None


def _taken(name: str) -> TargetSettingsError:
    return TargetSettingsError([{"field": "name", "code": "name_taken",
                                 "message": f"this workspace has a target named {name!r} already"}])


def compute_target_create(*, workspace: Workspace, user, name: Any, kind: Any, values: Any) -> ComputeTarget:
    _require_editor(user=user, workspace=workspace)
    name = validate_name(name)
    clean = validate(kind, values if values is not None else {})
    if ComputeTarget.objects.filter(workspace=workspace).count() >= MAX_TARGETS_PER_WORKSPACE:
        raise TargetSettingsError([{"field": "name", "code": "too_many",
                                    "message": f"a workspace has at most {MAX_TARGETS_PER_WORKSPACE} targets"}])
    try:
        with transaction.atomic():
            return ComputeTarget.objects.create(workspace=workspace, name=name, kind=kind, settings=clean,
                                                created_by=user if user.is_authenticated else None)
    except IntegrityError:
        raise _taken(name) from None


def compute_target_update(*, row: ComputeTarget, user, name: Any = None, values: Any = None) -> ComputeTarget:
    """Rename it and/or replace its settings (its kind stays: remove it and create another)."""
    _require_editor(user=user, workspace=row.workspace)
    fields = []
    if name is not None and name != row.name:
        row.name = validate_name(name)
        fields.append("name")
    if values is not None:
        row.settings = validate(row.kind, values)
        fields.append("settings")
    if fields:
        try:
            with transaction.atomic():
                row.save(update_fields=[*fields, "updated_at"])
        except IntegrityError:
            raise _taken(row.name) from None
    return row


def compute_target_delete(*, row: ComputeTarget, user) -> None:
    """Remove it: pipelines naming it fail to compile (unknown_target) until they name another."""
    _require_editor(user=user, workspace=row.workspace)
    row.delete()
