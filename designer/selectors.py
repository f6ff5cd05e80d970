"""Reads of the designer, always scoped to the workspaces a user is a member of: another
workspace's object is simply not found."""
from __future__ import annotations

from typing import Any, Callable

from django.db.models import Count, F, Max, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404

from engine.compiler import Learned, LearnedResolver, infer_schemas
from engine.compute_targets import target_names
from engine.environments import workspace_resolver
from engine.documents import canonical_json
from engine.models import Artifact, Run, Step
from engine.selectors import artifact_visible, datastore
from modules_catalog.registry import UnknownModule, load_builtins
from modules_catalog.spec import ModuleSpec

from .models import Dataset, Draft, Membership, PipelineVersion, Workspace


# -- workspaces -------------------------------------------------------------------------------

def workspace_list(*, user) -> QuerySet[Workspace]:
    return Workspace.objects.filter(memberships__user=user).order_by("id")


def workspace_ids(*, user) -> list[int]:
    return list(Membership.objects.filter(user=user).values_list("workspace_id", flat=True))


def workspace_get(*, user, slug: str) -> Workspace:
    workspace = workspace_list(user=user).filter(slug=slug).first()
    if workspace is None:
        raise Http404(f"workspace {slug!r} not found among yours")
    return workspace


def workspace_default(*, user) -> Workspace | None:
    """The user's first workspace (by id): where new things go when no workspace is named."""
    return workspace_list(user=user).first()


def membership_role(*, user, workspace: Workspace) -> str | None:
    return Membership.objects.filter(user=user, workspace=workspace).values_list("role", flat=True).first()


def memberships_of(*, user) -> QuerySet[Membership]:
    return Membership.objects.filter(user=user).select_related("workspace").order_by("workspace_id")


def _scoped(qs: QuerySet, *, user, workspace: Workspace | None) -> QuerySet:
    if workspace is not None:
        return qs.filter(workspace=workspace)
    return qs.filter(workspace__memberships__user=user)


def _get(qs: QuerySet, pk: Any, what: str):
    try:
        return qs.get(pk=pk)
    except (qs.model.DoesNotExist, ValueError, TypeError):
        raise Http404(f"{what} {pk} not found") from None


# -- drafts and versions ----------------------------------------------------------------------

def draft_list(*, user, workspace: Workspace | None = None) -> QuerySet[Draft]:
    return _scoped(Draft.objects.select_related("workspace", "created_by"), user=user, workspace=workspace)


def draft_get(*, user, draft_id: int) -> Draft:
    return _get(draft_list(user=user), draft_id, "draft")


def version_list(*, user, workspace: Workspace | None = None, draft_id: int | None = None) -> QuerySet[PipelineVersion]:
    qs = _scoped(PipelineVersion.objects.select_related("workspace", "created_by"), user=user, workspace=workspace)
    if draft_id is not None:
        qs = qs.filter(draft_id=draft_id)
    return qs


def version_get(*, user, version_id: int) -> PipelineVersion:
    return _get(version_list(user=user), version_id, "pipeline version")


def document_schemas(*, workspace: Workspace, document: Any, draft: Draft | None = None) -> dict[str, Any]:
    """Every node's inferred input and output column schemas (null where not known) and every
    compile error of `document` with its default parameter values, datasets resolved in `workspace`;
    for a `draft`, outputs a module cannot infer have the columns its last successful run produced."""
    nodes, errors = infer_schemas(document, resolve_dataset=dataset_resolver(workspace=workspace),
                                  learned=learned_schemas(workspace=workspace, draft=draft))
    return {"nodes": nodes, "errors": errors}


LEARN_CANDIDATES = 5  # a node's newest successful steps looked at for one that ran with the same params


def learned_schemas(*, workspace: Workspace, draft: Draft | None) -> LearnedResolver | None:
    """For the compiler: the columns the newest successful step of the same node of `draft` wrote on
    its DataFrame outputs (same module and version, same resolved params, e.g. the same script
    text), with its run; None without a draft."""
    if draft is None:
        return None

    def resolve(node_id: str, spec: ModuleSpec, params: Any) -> Learned | None:
        want = canonical_json(params)
        steps = (Step.objects.filter(run__workspace=workspace, run__draft_id=draft.pk, node_id=node_id, module=spec.key,
                                     version=spec.version, status__in=Step.DONE_OK)
                 .order_by("-id").only("id", "run_id", "outputs")[:LEARN_CANDIDATES])
        for step in steps:
            plan = Run.objects.filter(pk=step.run_id).values_list("plan", flat=True).first() or {}
            planned = next((s for s in plan.get("steps", ()) if s.get("node_id") == node_id), None)
            if planned is None or canonical_json(planned.get("params")) != want:
                continue
            outputs = {port: _table_schema(ref) for port, ref in (step.outputs or {}).items()}
            outputs = {port: schema for port, schema in outputs.items() if schema is not None}
            if outputs:
                return Learned(outputs, step.run_id)
        return None

    return resolve


def _table_schema(ref: Any):
    """The columns of a stored DataFrame output (its artifact's metadata), None when it is not one."""
    from modules_catalog.schema import schema_from_json

    if not isinstance(ref, dict) or ref.get("kind") != "DataFrame" or not ref.get("digest"):
        return None
    meta = Artifact.objects.filter(digest=ref["digest"]).values_list("meta", flat=True).first()
    if meta is None:
        try:
            meta = datastore().meta(ref["digest"])
        except (FileNotFoundError, ValueError):
            return None
    columns = meta.get("columns") if isinstance(meta, dict) else None
    if not isinstance(columns, list):
        return None
    return schema_from_json([{"name": c["name"], "dtype": c["dtype"], "role": c.get("role") or ""} for c in columns])


# -- runs -------------------------------------------------------------------------------------

def run_list(*, user, workspace: Workspace | None = None, status: str | None = None,
             version_id: int | None = None, draft_id: int | None = None,
             experiment: str | None = None) -> QuerySet[Run]:
    """The runs the user may see, newest first, each with `pipeline_name` (its draft's name, else its
    version's) and `version_number` (1 for the first version its draft ran, 2 for the next, …; None
    without a draft)."""
    # a version's documents and a run's plan grow with the pipeline: a list reads neither
    qs = _scoped(Run.objects.select_related("workspace", "version", "created_by")
                 .defer("plan", "drawn_document", "version__document", "version__source_document"),
                 user=user, workspace=workspace)
    if status:
        qs = qs.filter(status=status)
    if version_id is not None:
        qs = qs.filter(version_id=version_id)
    if draft_id is not None:
        qs = qs.filter(draft_id=draft_id)
    if experiment is not None:
        qs = qs.filter(experiment=experiment)
    # a run's draft is a loose reference (the engine knows no drafts): its name by a subquery
    _draft_name = Draft.objects.filter(pk=OuterRef("draft_id")).values("name")[:1]
    ran = (Run.objects.filter(draft_id=OuterRef("draft_id"), version_id__lte=OuterRef("version_id"))
           .order_by().values("draft_id").annotate(n=Count("version_id", distinct=True)).values("n"))
    return qs.annotate(version_number=Subquery(ran), pipeline_name=Coalesce(Subquery(_draft_name), F("version__name"))
                       ).order_by("-created_at", "-id")


def experiment_list(*, user, workspace: Workspace | None = None) -> list[dict[str, Any]]:
    """The experiments the user's runs are filed under, by name: how many runs each holds and when the
    last one was submitted (over all the user's workspaces when none is named)."""
    qs = _scoped(Run.objects.all(), user=user, workspace=workspace)
    return list(qs.order_by().values("experiment").annotate(runs=Count("id"), last_run_at=Max("created_at"))
                .order_by("experiment").values("experiment", "runs", "last_run_at"))


def run_get(*, user, run_id: int) -> Run:
    return _get(run_list(user=user), run_id, "run")


def run_drawn_document(*, run: Run) -> dict[str, Any]:
    """The pipeline as drawn when `run` was submitted: its own drawing, else its version's (a version
    made before drawings were kept has only its canonical document)."""
    if run.drawn_document is not None:
        return run.drawn_document
    version = PipelineVersion.objects.only("document", "source_document").get(pk=run.version_id)
    return version.source_document if version.source_document is not None else version.document


def step_get(*, run: Run, node_id: str) -> Step:
    step = Step.objects.filter(run=run, node_id=node_id).first()
    if step is None:
        raise Http404(f"run {run.pk} has no step {node_id!r}")
    return step


def step_output(*, step: Step, port: str) -> Artifact:
    """The artifact a finished step wrote on `port`."""
    ref = (step.outputs or {}).get(port)
    if not isinstance(ref, dict) or not ref.get("digest"):
        raise Http404(f"step {step.node_id!r} has no output {port!r} (yet)")
    artifact = Artifact.objects.filter(digest=ref["digest"]).first()
    if artifact is None:
        try:
            meta = datastore().meta(ref["digest"])
        except FileNotFoundError:
            raise Http404(f"the output {port!r} of step {step.node_id!r} is no longer stored") from None
        artifact = Artifact(digest=ref["digest"], kind=ref.get("kind") or meta.get("kind", ""),
                            size=meta.get("size", 0), meta=meta)
    return artifact


# -- datasets and artifacts -------------------------------------------------------------------

def dataset_list(*, user, workspace: Workspace | None = None, name: str | None = None) -> QuerySet[Dataset]:
    qs = _scoped(Dataset.objects.select_related("workspace", "artifact", "created_by"), user=user, workspace=workspace)
    if name:
        qs = qs.filter(name=name)
    return qs


def dataset_get(*, user, dataset_id: int) -> Dataset:
    return _get(dataset_list(user=user), dataset_id, "dataset")


def dataset_resolver(*, workspace: Workspace) -> Callable[[dict[str, Any]], dict[str, Any] | None]:
    """For the compiler: {"name", "version"} (None = latest) -> {"name", "version", "digest", "schema"}.
    Its `modules` attribute is the workspace's modules (built-ins and its custom ones), which the
    compiler looks nodes up in."""
    from .custom_modules import WorkspaceModules  # it reads through this module: imported when used
    found: dict[tuple[str, int | None], dict[str, Any] | None] = {}

    def resolve(ref: dict[str, Any]) -> dict[str, Any] | None:
        if not isinstance(ref, dict) or not isinstance(ref.get("name"), str):
            return None
        try:
            version = None if ref.get("version") in (None, "") else int(ref["version"])
        except (TypeError, ValueError):
            return None
        key = (ref["name"], version)
        if key not in found:
            qs = Dataset.objects.filter(workspace=workspace, name=ref["name"]).select_related("artifact")
            dataset = qs.filter(version=version).first() if version is not None else qs.order_by("-version").first()
            found[key] = None if dataset is None else {
                "name": dataset.name, "version": dataset.version, "digest": dataset.artifact_id,
                "schema": [{"name": c["name"], "dtype": c["dtype"], **({"role": c["role"]} if c.get("role") else {})}
                           for c in dataset.artifact.meta.get("columns", [])],
            }
        return found[key]

    resolve.modules = WorkspaceModules(workspace)  # type: ignore[attr-defined]
    # the targets its nodes may name: the server's and the workspace's own (engine.compute_targets)
    resolve.targets = target_names(workspace.pk)  # type: ignore[attr-defined]
    # the environments its nodes may name (engine.environments)
    resolve.environments = workspace_resolver(workspace.pk)  # type: ignore[attr-defined]
    return resolve


def artifact_get(*, user, digest: str) -> Artifact:
    artifact = artifact_visible(workspace_ids=workspace_ids(user=user), digest=digest)
    if artifact is None:
        raise Http404(f"artifact {digest} not found")
    return artifact


# -- modules ----------------------------------------------------------------------------------

def module_list() -> list[ModuleSpec]:
    return [spec for spec in load_builtins() if not spec.disabled]


def module_get(*, key: str, version: str) -> ModuleSpec:
    try:
        return load_builtins().get(key, version)
    except UnknownModule:
        raise Http404(f"module {key!r} version {version!r} not found") from None
