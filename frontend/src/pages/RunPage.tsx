// A run's page (/runs/:runId): its header and actions, the pipeline as submitted with each node's
// live status, and the results of the node chosen.
import { useCallback, useEffect, useMemo, useState } from "react";
import { useQuery } from "@tanstack/react-query";
import { useNavigate, useParams } from "react-router-dom";
import { ReactFlowProvider } from "@xyflow/react";
import { useStore } from "zustand";
import { ConfirmDialog } from "../runs/ConfirmDialog";
import { ResubmitDialog } from "../runs/ResubmitDialog";
import { RunGraph } from "../runs/RunGraph";
import { RunHeader } from "../runs/RunHeader";
import { RunStoreContext } from "../runs/RunContext";
import { cancelRun, createDraft, errorMessages, fetchModules, fetchRunSnapshot, fetchVersion } from "../runs/api";
import { buildRunGraph, modulesByKey } from "../runs/graph";
import { isRunFinal } from "../runs/reducer";
import { useRunSocket } from "../runs/useRunSocket";
import { ResultsPanel } from "../results/ResultsPanel";
import "../runs/runs.css";

export function RunPage() {
  const { runId } = useParams();
  const id = Number(runId);
  if (!Number.isInteger(id) || id <= 0) {
    return (
      <div className="run-page-message">
        <h1>No such run</h1>
        <p>“{runId}” is not a run number.</p>
      </div>
    );
  }
  return <RunView key={id} runId={id} />;
}

function RunView({ runId }: { runId: number }) {
  const navigate = useNavigate();
  const live = useRunSocket(runId);
  const run = useQuery({ queryKey: ["run", runId], queryFn: () => fetchRunSnapshot(runId) });
  // the page's own read of the run shows it at once, and still shows it if the socket is refused
  useEffect(() => {
    if (run.data) live.dispatch({ type: "snapshot", snapshot: run.data });
  }, [live, run.data]);
  const versionId = run.data?.version;
  const version = useQuery({
    queryKey: ["version", versionId],
    queryFn: () => fetchVersion(versionId!),
    enabled: versionId !== undefined,
    staleTime: Infinity, // a version never changes
  });
  const workspace = run.data?.workspace;
  const modules = useQuery({
    queryKey: ["runs", "modules", workspace],
    queryFn: () => fetchModules(workspace),
    enabled: workspace !== undefined, // its custom modules are the run's workspace's
    staleTime: 300_000,
  });
  const status = useStore(live.store, (s) => s.run.status);
  const liveSnapshot = useStore(live.store, (s) => s.run.snapshot);
  const [selected, setSelected] = useState<string | null>(null);
  const [dialog, setDialog] = useState<null | "cancel" | "resubmit">(null);
  const [busy, setBusy] = useState(false);
  const [actionError, setActionError] = useState("");

  const pipeline = run.data?.source_document ?? version.data?.source_document ?? version.data?.document;
  const graph = useMemo(
    () => (pipeline ? buildRunGraph(pipeline, modulesByKey(modules.data)) : null),
    [pipeline, modules.data],
  );
  const onSelect = useCallback((nodeId: string) => setSelected(nodeId), []);
  const chosen = graph?.nodes.find((n) => n.id === selected);
  const facts = { ...run.data, ...liveSnapshot };
  const pipelineName = facts.version_name || version.data?.name || pipeline?.name || "";

  if (run.error) {
    return (
      <div className="run-page-message" role="alert">
        <h1>Run #{runId}</h1>
        <p>{errorMessages(run.error).join(" ")}</p>
      </div>
    );
  }

  const onCancel = async () => {
    setBusy(true);
    setActionError("");
    try {
      live.dispatch({ type: "snapshot", snapshot: await cancelRun(runId) });
      setDialog(null);
    } catch (error) {
      setActionError(errorMessages(error).join(" "));
    } finally {
      setBusy(false);
    }
  };

  const onOpenAsDraft = async () => {
    if (!pipeline || !run.data) return;
    setBusy(true);
    setActionError("");
    try {
      const name = `${pipelineName || "Pipeline"} (from run #${runId})`;
      const draftId = await createDraft({ workspace: run.data.workspace, name, document: pipeline });
      navigate(`/drafts/${draftId}`);
    } catch (error) {
      setActionError(`Could not open the run as a draft: ${errorMessages(error).join(" ")}`);
      setBusy(false);
    }
  };

  return (
    <RunStoreContext.Provider value={live.store}>
      <div className="run-page">
        <RunHeader runId={runId} pipelineName={pipelineName} createdBy={facts.created_by} experiment={facts.experiment}>
          {!isRunFinal(status) && (
            <button type="button" className="danger" onClick={() => setDialog("cancel")}>
              Cancel run
            </button>
          )}
          <button type="button" onClick={onOpenAsDraft} disabled={!pipeline || busy}>
            Open as new draft
          </button>
          <button type="button" onClick={() => setDialog("resubmit")} disabled={!version.data}>
            Re-submit with changes…
          </button>
        </RunHeader>
        {actionError && dialog === null && (
          <p className="run-header-error" role="alert">
            {actionError}
          </p>
        )}
        <div className="run-body">
          {graph ? (
            <ReactFlowProvider>
              <RunGraph nodes={graph.nodes} edges={graph.edges} selected={selected} onSelect={onSelect} />
            </ReactFlowProvider>
          ) : (
            <p className="run-page-message">{version.error ? errorMessages(version.error).join(" ") : "Loading the pipeline…"}</p>
          )}
          {chosen && (
            <ResultsPanel
              key={chosen.id}
              runId={runId}
              nodeId={chosen.id}
              title={chosen.data.title}
              outputs={chosen.data.outputs}
              onClose={() => setSelected(null)}
            />
          )}
        </div>
      </div>
      {dialog === "cancel" && (
        <ConfirmDialog
          title="Cancel this run?"
          message="Steps that have not started will not run; running steps are stopped. Finished steps keep their outputs."
          confirm="Cancel run"
          dismiss="Keep running"
          busy={busy}
          error={actionError}
          onConfirm={onCancel}
          onClose={() => setDialog(null)}
        />
      )}
      {dialog === "resubmit" && version.data && (
        <ResubmitDialog
          versionId={version.data.id}
          parameters={version.data.document.parameters ?? []}
          values={run.data?.params ?? {}}
          experiment={facts.experiment ?? ""}
          onClose={() => setDialog(null)}
          onSubmitted={(newRun) => {
            setDialog(null);
            navigate(`/runs/${newRun}`);
          }}
        />
      )}
    </RunStoreContext.Provider>
  );
}
