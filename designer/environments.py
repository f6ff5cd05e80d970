"""A workspace's environments, as the designer manages them: listed, created and edited (an edit is
the next version) by editors and owners, removed, and built in the background
(engine.envbuild) — never inside a request."""
from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.http import Http404

from engine import envbuild
from engine.environments import (MAX_ENVIRONMENTS_PER_WORKSPACE, EnvironmentInputError, build_spec, content_hash,
                                 validate_base_image, validate_name, validate_packages)
from engine.models import Environment, EnvironmentBuild, Workspace

from .selectors import workspace_ids
from .services import _require_editor


def environment_list(*, user, workspace: Workspace | None = None, name: str | None = None) -> QuerySet[Environment]:
    qs = Environment.objects.filter(workspace_id__in=workspace_ids(user=user)).select_related("workspace", "created_by")
    if workspace is not None:
        qs = qs.filter(workspace=workspace)
    if name is not None:
        qs = qs.filter(name=name)
    return qs.order_by("workspace_id", "name", "-version")


def environment_get(*, user, environment_id: int) -> Environment:
    try:
        return environment_list(user=user).get(pk=environment_id)
    except (Environment.DoesNotExist, ValueError, TypeError):
        raise Http404(f"environment {environment_id} not found") from None


def builds_of(rows: list[Environment]) -> dict[str, EnvironmentBuild]:
    """The build of each row's hash, in one query."""
    hashes = {row.content_hash for row in rows}
    return {b.content_hash: b for b in EnvironmentBuild.objects.filter(content_hash__in=hashes)}


def _save_version(*, workspace: Workspace, user, name: str, version: int, packages: list[str],
                  base_image: str) -> Environment:
    spec = build_spec(packages, base_image)
    digest = content_hash(spec)
    try:
        with transaction.atomic():
            row = Environment.objects.create(workspace=workspace, name=name, version=version, packages=packages,
                                             base_image=base_image, content_hash=digest,
                                             created_by=user if user.is_authenticated else None)
            EnvironmentBuild.objects.get_or_create(content_hash=digest, defaults={"spec": spec})
    except IntegrityError:
        raise EnvironmentInputError([{"field": "name", "code": "name_taken",
                                      "message": f"this workspace has an environment named {name!r} already; "
                                                 "edit it to make a new version"}]) from None
    transaction.on_commit(lambda: envbuild.request(digest))
    return row


def environment_create(*, workspace: Workspace, user, name: Any, packages: Any, base_image: Any = "") -> Environment:
    """Version 1 of a new environment; its build starts in the background (shared with any
    environment of the same contents, which then needs none)."""
    _require_editor(user=user, workspace=workspace)
    name = validate_name(name)
    packages, base_image = validate_packages(packages), validate_base_image(base_image)
    if Environment.objects.filter(workspace=workspace).values("name").distinct().count() >= MAX_ENVIRONMENTS_PER_WORKSPACE:
        raise EnvironmentInputError([{"field": "name", "code": "too_many",
                                      "message": f"a workspace has at most {MAX_ENVIRONMENTS_PER_WORKSPACE} environments"}])
    if Environment.objects.filter(workspace=workspace, name=name).exists():
        raise EnvironmentInputError([{"field": "name", "code": "name_taken",
                                      "message": f"this workspace has an environment named {name!r} already; "
                                                 "edit it to make a new version"}])
    return _save_version(workspace=workspace, user=user, name=name, version=1, packages=packages, base_image=base_image)


def environment_update(*, row: Environment, user, packages: Any = None, base_image: Any = None) -> Environment:
    """The next version of `row`'s environment with these packages / base image (the others kept);
    unchanged contents make no version."""
    _require_editor(user=user, workspace=row.workspace)
    new_packages = row.packages if packages is None else validate_packages(packages)
    new_image = row.base_image if base_image is None else validate_base_image(base_image)
    latest = Environment.objects.filter(workspace=row.workspace, name=row.name).order_by("-version").first()
    assert latest is not None
    if new_packages == latest.packages and new_image == latest.base_image:
        return latest
    return _save_version(workspace=row.workspace, user=user, name=row.name, version=latest.version + 1,
                         packages=new_packages, base_image=new_image)


def environment_build(*, row: Environment, user) -> EnvironmentBuild:
    """Build (again, after a failure) in the background; a ready build stays as it is."""
    _require_editor(user=user, workspace=row.workspace)
    build, _ = EnvironmentBuild.objects.get_or_create(content_hash=row.content_hash,
                                                      defaults={"spec": build_spec(row.packages, row.base_image)})
    envbuild.request(row.content_hash, retry=True)
    build.refresh_from_db()
    return build


def environment_delete(*, row: Environment, user) -> None:
    """Remove this version: nodes naming it no longer compile (unknown_environment). Its build
    stays for any other environment with the same contents."""
    _require_editor(user=user, workspace=row.workspace)
    row.delete()
