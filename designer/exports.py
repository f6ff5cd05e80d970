"""Datasets registered by Export Data steps: the designer's side of engine/exports.py."""
from __future__ import annotations

import logging
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max

from engine.models import Artifact

from .models import Dataset
from .services import DATASET_NAME

log = logging.getLogger(__name__)
EXPORT_FORMAT = "pipeline"  # Dataset.source_format of a version a pipeline registered


def dataset_register_export(*, workspace_id: int, name: Any, digest: str, description: str = "",
                            user_id: int | None = None, run_id: int | None = None,
                            node_id: str = "") -> Dataset | None:
    """Register the stored frame `digest` as the next version of dataset `name`, unless its latest
    version holds these very bytes already (a re-run, or a reused step, adds no version). None when
    the name is not a dataset name (the module refuses those before it runs) or the frame is gone."""
    if not isinstance(name, str) or not DATASET_NAME.fullmatch(name):
        log.warning("run %s node %s: export name %r is not a dataset name; nothing registered", run_id, node_id, name)
        return None
    artifact = Artifact.objects.filter(pk=digest, kind="DataFrame").first()
    if artifact is None:
        log.warning("run %s node %s: exported frame %s is not recorded; nothing registered", run_id, node_id, digest)
        return None
    origin = f"run {run_id}, node {node_id}"[:255] if run_id is not None else ""
    for _ in range(5):
        latest = Dataset.objects.filter(workspace_id=workspace_id, name=name).order_by("-version").first()
        if latest is not None and latest.artifact_id == digest:
            return latest
        try:
            with transaction.atomic():
                version = (Dataset.objects.filter(workspace_id=workspace_id, name=name)
                           .aggregate(v=Max("version"))["v"] or 0) + 1
                return Dataset.objects.create(
                    workspace_id=workspace_id, name=name, version=version, description=(description or "")[:10_000],
                    artifact=artifact, source_format=EXPORT_FORMAT, original_filename=origin, created_by_id=user_id)
        except IntegrityError:  # a concurrent registration took this version number; take the next one
            continue
    log.warning("run %s node %s: too many concurrent versions of %r; nothing registered", run_id, node_id, name)
    return None


def on_dataset_exported(sender: Any, *, workspace_id: int, run_id: int, node_id: str, user_id: int | None,
                        name: Any, description: str, digest: str, **_: Any) -> None:
    dataset_register_export(workspace_id=workspace_id, name=name, digest=digest, description=description,
                            user_id=user_id, run_id=run_id, node_id=node_id)
