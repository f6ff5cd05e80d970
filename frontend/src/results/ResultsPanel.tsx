// The results of one step of a run, in tabs: Outputs, Metrics, Log, Error.
import { useId, useState, type KeyboardEvent } from "react";
import { useQueries, useQuery } from "@tanstack/react-query";
import type { PortSpec } from "../api/types";
import { fetchStep, fetchStepOutput } from "../runs/api";
import { useNodeRun } from "../runs/RunContext";
import { logText } from "../runs/reducer";
import { statusLabel } from "../runs/format";
import { MetricsView } from "./MetricsView";
import { OutputsTab } from "./OutputsTab";
import { ErrorView, LogView } from "./StepTexts";

const TABS = ["Outputs", "Metrics", "Log", "Error"] as const;
type Tab = (typeof TABS)[number];

interface Props {
  runId: number;
  nodeId: string;
  title: string;
  outputs: PortSpec[];
  onClose: () => void;
}

/** Where the step ran, as its target recorded it: target, then host, worker and container when known. */
export function whereItRan(step: { target?: string; host?: string; worker?: string; container?: string } | undefined): string {
  if (!step?.target) return "";
  const parts = [`target ${step.target}`];
  if (step.host) parts.push(`host ${step.host}`);
  if (step.worker) parts.push(`worker ${step.worker}`);
  if (step.container) parts.push(`container ${step.container}`);
  return parts.join(" · ");
}

function latestMetrics(list: { name: string; value: number }[] | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of list ?? []) out[m.name] = m.value;
  return out;
}

export function ResultsPanel({ runId, nodeId, title, outputs, onClose }: Props) {
  const node = useNodeRun(nodeId);
  const status = node?.status ?? "waiting";
  const [tab, setTab] = useState<Tab>(status === "failed" ? "Error" : "Outputs");
  const base = useId();
  const running = status === "running" || status === "queued" || status === "waiting";
  // read again whenever the step's status changes: its log, metrics and outputs are final then
  const step = useQuery({
    queryKey: ["run-step", runId, nodeId, status],
    queryFn: () => fetchStep(runId, nodeId),
    staleTime: running ? 0 : Infinity,
  });
  const produced = { ...(step.data?.outputs ?? {}), ...(node?.outputs ?? {}) };
  const metricPorts = Object.entries(produced).filter(([, o]) => o.kind === "Metrics");
  const metricOutputs = useQueries({
    queries: metricPorts.map(([port, o]) => ({
      queryKey: ["run-output", runId, nodeId, port, o.digest],
      queryFn: () => fetchStepOutput(runId, nodeId, port),
      staleTime: Infinity,
    })),
  });
  const json = metricOutputs.find((q) => q.data)?.data?.meta?.metrics;
  const reported = {
    ...latestMetrics(step.data?.metrics),
    ...Object.fromEntries(Object.entries(node?.metrics ?? {}).map(([k, v]) => [k, v.value])),
  };
  const liveLog = logText(node);
  const log = running ? liveLog : step.data?.log || liveLog;
  const error = node?.error || step.data?.error || "";

  const onTabKey = (e: KeyboardEvent<HTMLButtonElement>) => {
    const at = TABS.indexOf(tab);
    const next = e.key === "ArrowRight" ? at + 1 : e.key === "ArrowLeft" ? at - 1 : e.key === "Home" ? 0 : e.key === "End" ? TABS.length - 1 : null;
    if (next === null) return;
    e.preventDefault();
    const chosen = TABS[(next + TABS.length) % TABS.length];
    setTab(chosen);
    document.getElementById(`${base}-tab-${chosen}`)?.focus();
  };

  return (
    <aside className="results-panel" aria-label={`Results of ${title}`}>
      <div className="results-header">
        <h2>
          {title} <span className={`run-badge run-status-${status}`}>{statusLabel(status)}</span>
        </h2>
        <button type="button" onClick={onClose} aria-label={`Close the results of ${title}`}>
          ×
        </button>
      </div>
      {whereItRan(step.data) && (
        <p className="muted results-where" aria-label={`Where ${title} ran`}>
          Ran on {whereItRan(step.data)}
        </p>
      )}
      <div role="tablist" aria-label={`Results of ${title}`} className="results-tabs">
        {TABS.map((t) => (
          <button
            key={t}
            id={`${base}-tab-${t}`}
            type="button"
            role="tab"
            aria-selected={tab === t}
            aria-controls={`${base}-panel-${t}`}
            tabIndex={tab === t ? 0 : -1}
            onClick={() => setTab(t)}
            onKeyDown={onTabKey}
          >
            {t}
            {t === "Error" && error ? " ●" : ""}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`${base}-panel-${tab}`} aria-labelledby={`${base}-tab-${tab}`} className="results-body">
        {step.error && <p role="alert">Could not read this step: {step.error.message}</p>}
        {tab === "Outputs" && <OutputsTab runId={runId} nodeId={nodeId} title={title} ports={outputs} outputs={produced} />}
        {tab === "Metrics" && <MetricsView reported={reported} json={json} />}
        {tab === "Log" && <LogView text={log} streaming={status === "running"} title={title} />}
        {tab === "Error" && (
          <ErrorView
            error={error}
            traceback={step.data?.traceback ?? ""}
            reason={node?.reason || step.data?.reason || ""}
            failure={node?.failure || step.data?.failure || ""}
            attempts={step.data?.attempts ?? []}
            title={title}
          />
        )}
      </div>
    </aside>
  );
}
