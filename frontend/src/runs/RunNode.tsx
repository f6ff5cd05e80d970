// One node of a run graph (read-only): status in colour and words, a progress bar, the duration,
// a "reused" badge linking to the run it came from, and its ports coloured and labelled by type.
import { memo } from "react";
import { Handle, Position, type NodeProps } from "@xyflow/react";
import { Link } from "react-router-dom";
import { portColor, portTypeLabel } from "../canvas/portTypes";
import type { PortSpec } from "../api/types";
import { nodeWidth, portFraction } from "../store/nodeSize"; // drawn as the editing canvas draws it
import type { RunFlowNode } from "./graph";
import { useNodeRun, useNow } from "./RunContext";
import { formatDuration, statusLabel } from "./format";
import type { NodeRun } from "./reducer";

function Ports({ ports, side, title }: { ports: PortSpec[]; side: "input" | "output"; title: string }) {
  return (
    <div className={`run-ports run-ports-${side}`}>
      {ports.map((port, i) => {
        const left = `${portFraction(i, ports.length) * 100}%`;
        const name = port.label || port.name;
        return (
          <div key={port.name}>
            <Handle
              id={port.name}
              type={side === "input" ? "target" : "source"}
              position={side === "input" ? Position.Top : Position.Bottom}
              isConnectable={false}
              role="img"
              aria-label={`${side} ${name} of ${title}`}
              title={`${name}: ${portTypeLabel(port.type)}`}
              data-port-type={port.type}
              className="run-handle"
              style={{ left, background: portColor(port.type) }}
            />
            <span className="run-port-label" style={{ left }} aria-hidden="true">
              {name}
            </span>
          </div>
        );
      })}
    </div>
  );
}

function elapsed(run: NodeRun | undefined, now: number): number | null {
  if (!run) return null;
  if (run.duration !== null && run.status !== "running") return run.duration;
  if (run.status === "running" && run.startedAt !== null) return Math.max(0, (now - run.startedAt) / 1000);
  return run.duration;
}

function Progress({ run, title }: { run: NodeRun | undefined; title: string }) {
  const status = run?.status ?? "waiting";
  const done = status === "succeeded" || status === "cached";
  const fraction = done ? 1 : status === "running" ? run?.progress : null;
  const label = `Progress of ${title}`;
  if (status !== "running" && !done) return <div className="run-progress run-progress-empty" aria-hidden="true" />;
  return (
    <div
      className={`run-progress${fraction === null || fraction === undefined ? " run-progress-indeterminate" : ""}`}
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={fraction === null || fraction === undefined ? undefined : Math.round(fraction * 100)}
      aria-valuetext={run?.progressMessage || undefined}
      title={run?.progressMessage || undefined}
    >
      <div className="run-progress-bar" style={{ width: `${Math.round((fraction ?? 0.3) * 100)}%` }} />
    </div>
  );
}

function RunNodeView({ data, selected }: NodeProps<RunFlowNode>) {
  const run = useNodeRun(data.nodeId);
  const status = run?.status ?? "waiting";
  const now = useNow(status === "running");
  const duration = formatDuration(elapsed(run, now));
  return (
    <div
      className={`run-node run-status-${status}${selected ? " run-node-selected" : ""}`}
      style={{ width: nodeWidth(data.inputs.length, data.outputs.length) }}
      data-node-id={data.nodeId}
      data-status={status}
      role="group"
      aria-label={`${data.title}: ${statusLabel(status)}`}
    >
      <Ports ports={data.inputs} side="input" title={data.title} />
      <div className="run-node-header">
        <span className="run-node-title">{data.title}</span>
        {data.title !== data.moduleLabel && <span className="run-node-module">{data.moduleLabel}</span>}
      </div>
      <div className="run-node-status">
        <span className="run-status-dot" aria-hidden="true" />
        <span className="run-status-text">{statusLabel(status)}</span>
        {duration && <span className="run-node-duration">{duration}</span>}
        {status === "cached" &&
          (run?.reusedFromRun ? (
            <Link
              className="run-reused nodrag nopan"
              to={`/runs/${run.reusedFromRun}`}
              onClick={(e) => e.stopPropagation()}
              aria-label={`${data.title} reused the output of run ${run.reusedFromRun}: open that run`}
            >
              reused · run {run.reusedFromRun}
            </Link>
          ) : (
            <span className="run-reused">reused</span>
          ))}
      </div>
      <Progress run={run} title={data.title} />
      {status === "failed" && run?.error && <div className="run-node-error">{run.error}</div>}
      {data.comment && <div className="run-node-comment">{data.comment}</div>}
      <Ports ports={data.outputs} side="output" title={data.title} />
    </div>
  );
}

export const RunNode = memo(RunNodeView);
