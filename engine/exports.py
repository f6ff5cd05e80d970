"""Export Data: once a run ends, each of its Export Data steps that succeeded (or was reused) has its
frame registered as a dataset version. The engine announces them with a signal; the designer, which
owns datasets, registers them (designer/exports.py): steps never touch the database."""
from __future__ import annotations

from django.dispatch import Signal

from .models import Run, Step
from .plan import Plan

EXPORT_MODULE = "export_data"
EXPORT_PORT = "data"
# sent inside the transaction that ends the run, with: workspace_id, run_id, node_id, user_id (the
# run's submitter, or None), name, description, digest (the stored frame)
dataset_exported = Signal()


def announce_exports(run: Run, plan: Plan) -> int:
    """Send `dataset_exported` for each Export Data step of `run` that ended well; how many were sent.
    Costs nothing for a plan without Export Data."""
    exports = {s.node_id: s for s in plan.steps if s.module == EXPORT_MODULE}
    if not exports:
        return 0
    done = (Step.objects.filter(run_id=run.id, node_id__in=list(exports), status__in=list(Step.DONE_OK))
            .order_by("id").values_list("node_id", "outputs"))
    user_id = Run.objects.filter(pk=run.id).values_list("created_by_id", flat=True).first()
    sent = 0
    for node_id, outputs in done:
        stored = (outputs or {}).get(EXPORT_PORT)
        if not stored:
            continue
        params = exports[node_id].params
        dataset_exported.send(sender=Run, workspace_id=run.workspace_id, run_id=run.id, node_id=node_id,
                              user_id=user_id, name=params.get("name"), description=params.get("description") or "",
                              digest=stored["digest"])
        sent += 1
    return sent
