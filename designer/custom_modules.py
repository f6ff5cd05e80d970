"""Custom modules of a workspace: registering a file's declarations as module versions, their
status and default, and the modules a workspace's pipelines may use (built-ins + its custom ones)
as the compiler looks them up. The file itself is never imported here (modules_catalog.custom)."""
from __future__ import annotations

from typing import Any, Iterator

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import QuerySet

from modules_catalog import custom
from modules_catalog.registry import Registry, UnknownModule, load_builtins
from modules_catalog.spec import ModuleSpec

from .models import CustomModule, Workspace
from .selectors import _get, _scoped
from .services import ServiceError, UploadTooLarge, _require_editor


class ModuleConflict(ServiceError):
    status_code = 409
    code = "version_exists"


def version_key(version: str) -> tuple:
    """Versions in order: numeric parts as numbers ('10' after '9'), any other part after them."""
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in str(version).replace("-", ".").split("."))


# -- reads ----------------------------------------------------------------------------------

def custom_module_list(*, user, workspace: Workspace | None = None) -> QuerySet[CustomModule]:
    return _scoped(CustomModule.objects.select_related("workspace", "created_by"), user=user, workspace=workspace)


def custom_module_get(*, user, module_id: int) -> CustomModule:
    return _get(custom_module_list(user=user), module_id, "custom module")


def row_spec(row: CustomModule) -> custom.CustomModuleSpec:
    return custom.spec_from_declaration(row.declaration, code=row.content_hash, status=row.status,
                                        is_default=row.is_default)


class WorkspaceModules:
    """The modules a workspace's pipelines may use, as the compiler looks them up (`get`, `versions`):
    every built-in, and the workspace's custom modules with their status. A key without a version
    means its default (for a built-in: its newest version). Rows are read once per instance."""

    def __init__(self, workspace: Workspace | None) -> None:
        self.workspace = workspace
        self.builtins: Registry = load_builtins()
        self._builtin_keys = {spec.key for spec in self.builtins}  # a look-up per node stays O(1)
        self._custom: dict[str, list[custom.CustomModuleSpec]] | None = None

    def custom(self) -> dict[str, list[custom.CustomModuleSpec]]:
        if self._custom is None:
            found: dict[str, list[custom.CustomModuleSpec]] = {}
            if self.workspace is not None:
                for row in CustomModule.objects.filter(workspace=self.workspace):
                    try:
                        spec = row_spec(row)
                    except custom.DeclarationError:  # checked at registration; never expected
                        continue
                    found.setdefault(spec.key, []).append(spec)
            for specs in found.values():
                specs.sort(key=lambda s: version_key(s.version))
            self._custom = found
        return self._custom

    def versions(self, key: str) -> list[ModuleSpec]:
        if key in self._builtin_keys:
            return self.builtins.versions(key)
        return list(self.custom().get(key, []))

    def get(self, key: str, version: str | None = None) -> ModuleSpec:
        if key in self._builtin_keys:
            return self.builtins.get(key, version)
        specs = self.custom().get(key)
        if not specs:
            raise UnknownModule(f"unknown module {key!r}")
        if version is None:
            spec = self.default(key)
            if spec is None:
                raise UnknownModule(f"module {key!r} has no default version (every version is disabled)")
            return spec
        for spec in specs:
            if spec.version == str(version):
                return spec
        raise UnknownModule(f"unknown module {key!r} version {version!r}")

    def default(self, key: str) -> ModuleSpec | None:
        """The version the palette offers: a custom module's chosen default, a built-in's newest."""
        if key in self._builtin_keys:
            return self.builtins.versions(key)[-1]
        return next((s for s in self.custom().get(key, []) if s.is_default), None)

    def __iter__(self) -> Iterator[ModuleSpec]:
        yield from self.builtins
        for key in sorted(self.custom()):
            yield from self.custom()[key]


def module_entries(*, workspace: Workspace | None, all_versions: bool) -> list[tuple[ModuleSpec, dict[str, Any]]]:
    """(spec, what the catalogue adds: status, is_default, custom) for `GET modules/`: the default of
    every module, or (`all_versions`) every version; a disabled built-in never."""
    modules = WorkspaceModules(workspace)
    out = []
    newest = {}
    for spec in modules.builtins:
        if not spec.disabled:
            newest[spec.key] = max(newest.get(spec.key, spec.version), spec.version, key=version_key)
    for spec in modules.builtins:
        if spec.disabled or (not all_versions and spec.version != newest[spec.key]):
            continue
        out.append((spec, {"status": "active", "is_default": spec.version == newest[spec.key], "custom": False}))
    for key, specs in sorted(modules.custom().items()):
        for spec in specs:
            if all_versions or spec.is_default:
                out.append((spec, {"status": spec.status, "is_default": spec.is_default, "custom": True,
                                   "content_hash": spec.code, "requires": list(spec.requires)}))
    return out


def module_notes(*, document: Any, workspace: Workspace) -> list[dict[str, Any]]:
    """Warning-level notes on a document's nodes: a deprecated custom module version, and a pinned
    version with a newer default (what the canvas badges)."""
    if not isinstance(document, dict) or not isinstance(document.get("nodes"), list):
        return []
    modules = WorkspaceModules(workspace)
    notes = []
    for node in document["nodes"]:
        if not isinstance(node, dict) or not isinstance(node.get("module"), str) or not isinstance(node.get("id"), str):
            continue
        specs = modules.custom().get(node["module"])
        if not specs:
            continue
        version = None if node.get("version") is None else str(node["version"])
        try:
            spec = modules.get(node["module"], version)
        except UnknownModule:
            continue  # the compiler reports it
        if spec.status == "deprecated":
            notes.append({"code": "deprecated_module", "severity": "warning", "node": node["id"],
                          "message": f"node {node['id']!r} uses {spec.ref}, which is deprecated"
                          + _newer(modules, spec)})
        elif spec.status == "active":
            newer = _newer(modules, spec)
            if newer:
                notes.append({"code": "newer_version", "severity": "info", "node": node["id"],
                              "message": f"node {node['id']!r} uses {spec.ref}{newer}"})
    return notes


def _newer(modules: WorkspaceModules, spec: ModuleSpec) -> str:
    default = modules.default(spec.key)
    if default is None or version_key(default.version) <= version_key(spec.version):
        return ""
    return f"; version {default.version} is available"


# -- writes ---------------------------------------------------------------------------------

def _builtin_key(key: str) -> bool:
    return bool(load_builtins().versions(key))


def custom_module_register(*, workspace: Workspace, user, file: Any, entry: str | None = None
                           ) -> tuple[list[CustomModule], list[dict[str, Any]]]:
    """Read the uploaded file's declarations (in an isolated child), store its bytes under their
    SHA-256 and add one version per declared module. A version already registered with the same
    bytes is returned as it is; with other bytes it is refused (409). Returns the rows and warnings
    (requirements missing here, code the designer does not run)."""
    _require_editor(user=user, workspace=workspace)
    filename = str(getattr(file, "name", "") or "")[:255]
    size = int(getattr(file, "size", 0) or 0)
    if size > custom.MAX_ZIP_BYTES:
        raise UploadTooLarge(f"the file is {size} bytes; a custom module is at most {custom.MAX_ZIP_BYTES} bytes "
                             f"({custom.MAX_ZIP_BYTES >> 20} MB) as a zip, {custom.MAX_PY_BYTES >> 20} MB as a .py",
                             field="file")
    data = file.read(custom.MAX_ZIP_BYTES + 1)
    try:
        declared = custom.inspect_upload(data, filename, entry=entry or None)
    except custom.DeclarationError as exc:
        error = ServiceError(exc.message, code=exc.code, **{k: v for k, v in exc.as_json().items()
                                                            if k not in ("code", "message")})
        error.status_code = {"too_large": 413, "busy": 503}.get(exc.code, 400)
        raise error from None
    specs = [custom.spec_from_declaration(d, code=declared.sha256) for d in declared.modules]
    for spec in specs:
        if _builtin_key(spec.key):
            raise ServiceError(f"{spec.key!r} is the key of a built-in module; give your module another key",
                               code="builtin_key", field="file", module=spec.ref)
    custom.store(settings.DATASTORE_ROOT, data, declared)
    rows = []
    try:
        with transaction.atomic():
            for spec, decl in zip(specs, declared.modules):
                rows.append(_add_version(workspace, user, spec, decl, declared, filename))
    except IntegrityError:  # a concurrent registration of the same key and version
        raise ModuleConflict("another registration of the same module version finished first; reload and retry",
                             field="file") from None
    warnings = [{"code": "missing_requirements", "module": ref,
                 "message": f"{ref} needs Python packages this server does not have: {'; '.join(missing)}. Its "
                            "steps will fail until they are installed"}
                for ref, missing in declared.missing.items()]
    warnings += [{"code": "not_run_in_designer", "message": note} for note in declared.notes]
    return rows, warnings


def _add_version(workspace: Workspace, user, spec: custom.CustomModuleSpec, decl: dict[str, Any],
                 declared: custom.Declared, filename: str) -> CustomModule:
    versions = list(CustomModule.objects.select_for_update().filter(workspace=workspace, key=spec.key))
    same = next((r for r in versions if r.version == spec.version), None)
    if same is not None:
        if same.content_hash == declared.sha256:
            return same
        raise ModuleConflict(
            f"{spec.ref} is already registered with other content (SHA-256 {same.content_hash}); publish the "
            "changed file under a new version", field="file", module=spec.ref, existing_hash=same.content_hash)
    default = next((r for r in versions if r.is_default), None)
    becomes_default = default is None or version_key(spec.version) > version_key(default.version)
    if becomes_default and default is not None:
        CustomModule.objects.filter(pk=default.pk).update(is_default=False)
    return CustomModule.objects.create(
        workspace=workspace, key=spec.key, version=spec.version, label=spec.label, category=spec.category,
        declaration=decl, content_hash=declared.sha256, source_kind=declared.kind, entry=declared.entry,
        filename=filename, missing_requirements=declared.missing.get(spec.ref, []), is_default=becomes_default,
        created_by=user,
    )


def custom_module_update(*, row: CustomModule, user, status: str | None = None,
                         is_default: bool | None = None) -> CustomModule:
    """Change a version's status (active, deprecated, disabled) and/or make it the default. A
    disabled version cannot be the default; disabling the default hands it to the newest version
    still enabled (none: the module leaves the palette until one is enabled again, which makes it
    the default)."""
    _require_editor(user=user, workspace=row.workspace)
    if status is not None and status not in CustomModule.Status.values:
        raise ServiceError(f"status must be one of {', '.join(CustomModule.Status.values)}, not {str(status)[:40]!r}",
                           code="invalid", field="status")
    if is_default is False:
        raise ServiceError("a module always has a default while a version is enabled: make another version the "
                           "default instead", code="invalid", field="is_default")
    with transaction.atomic():
        versions = list(CustomModule.objects.select_for_update().filter(workspace=row.workspace, key=row.key))
        current = next(r for r in versions if r.pk == row.pk)
        new_status = status or current.status
        if is_default and new_status == CustomModule.Status.DISABLED:
            raise ServiceError(f"{current} is disabled and cannot be the default; enable it first",
                               code="disabled_default", field="is_default")
        current.status = new_status
        if is_default:
            CustomModule.objects.filter(workspace=row.workspace, key=row.key, is_default=True).exclude(
                pk=current.pk).update(is_default=False)
            current.is_default = True
        elif current.is_default and new_status == CustomModule.Status.DISABLED:
            current.is_default = False
            current.save(update_fields=["status", "is_default"])
            others = [r for r in versions if r.pk != current.pk and r.status != CustomModule.Status.DISABLED]
            if others:
                heir = max(others, key=lambda r: version_key(r.version))
                CustomModule.objects.filter(pk=heir.pk).update(is_default=True)
        elif new_status != CustomModule.Status.DISABLED and not any(r.is_default for r in versions if r.pk != current.pk):
            current.is_default = True  # enabled again while every other version is disabled: offered again
        current.save(update_fields=["status", "is_default"])
    current.refresh_from_db()
    return current

