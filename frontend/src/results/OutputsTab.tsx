// Each output port of a step: a DataFrame as statistics and all its rows (paged in as they scroll), a model's type and parameters,
// metrics as a pointer to the Metrics tab; every one with its download.
import { useQuery } from "@tanstack/react-query";
import type { PortSpec } from "../api/types";
import { portColor, portTypeLabel } from "../canvas/portTypes";
import { fetchStepOutput, stepOutputDownloadUrl } from "../runs/api";
import { formatBytes } from "../runs/format";
import type { OutputRef } from "../runs/types";
import { DataFrameView } from "./DataFrameView";
import { isDataFrameMeta } from "./frameStats";

interface Props {
  runId: number;
  nodeId: string;
  title: string;
  ports: PortSpec[];
  outputs: Record<string, OutputRef>;
}

function ModelMeta({ meta }: { meta: Record<string, unknown> }) {
  const params = (meta.params ?? {}) as Record<string, unknown>;
  return (
    <div>
      {typeof meta.python_type === "string" && (
        <p>
          Type: <code>{meta.python_type}</code>
        </p>
      )}
      {Object.keys(params).length > 0 && (
        <table className="metrics-table">
          <caption>Parameters</caption>
          <tbody>
            {Object.entries(params).map(([k, v]) => (
              <tr key={k}>
                <th scope="row">{k}</th>
                <td>{typeof v === "object" ? JSON.stringify(v) : String(v)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

function OutputPort({ runId, nodeId, title, port, output }: { runId: number; nodeId: string; title: string; port: PortSpec; output?: OutputRef }) {
  const name = `output ${port.label || port.name} of ${title}`;
  const query = useQuery({
    queryKey: ["run-output", runId, nodeId, port.name, output?.digest],
    queryFn: () => fetchStepOutput(runId, nodeId, port.name),
    enabled: !!output,
    staleTime: Infinity, // an output's bytes never change
  });
  const kind = output?.kind ?? port.type;
  return (
    <section className="output-port" aria-label={name}>
      <h3>
        <span className="port-swatch" style={{ background: portColor(kind) }} aria-hidden="true" />
        {port.label || port.name} <small>{portTypeLabel(kind)}</small>
      </h3>
      {!output && <p>Not written (yet).</p>}
      {output && query.isPending && <p>Loading…</p>}
      {query.error && <p role="alert">Could not read this output: {query.error.message}</p>}
      {query.data && (
        <>
          <div className="output-actions">
            <span>{formatBytes(query.data.size)}</span>
            <a className="button" href={stepOutputDownloadUrl(runId, nodeId, port.name)} download
              aria-label={`Download${kind === "DataFrame" ? " (Parquet)" : ""} of the ${name}`}>
              Download{kind === "DataFrame" ? " (Parquet)" : ""}
            </a>
            {kind === "DataFrame" && (
              <a className="button" href={stepOutputDownloadUrl(runId, nodeId, port.name, "csv")} download aria-label={`Download CSV of the ${name}`}>
                Download CSV
              </a>
            )}
          </div>
          {isDataFrameMeta(query.data.meta) ? (
            <DataFrameView
              key={`${runId}/${nodeId}/${port.name}`} // another output starts at its top
              title={name}
              meta={query.data.meta}
              source={{ runId, nodeId, port: port.name }}
            />
          ) : kind === "Metrics" ? (
            <p>The values and charts are in the Metrics tab.</p>
          ) : (
            <ModelMeta meta={query.data.meta} />
          )}
        </>
      )}
    </section>
  );
}

export function OutputsTab({ runId, nodeId, title, ports, outputs }: Props) {
  const known = new Set(ports.map((p) => p.name));
  const extra = Object.entries(outputs)
    .filter(([name]) => !known.has(name))
    .map(([name, o]): PortSpec => ({ name, type: o.kind, label: name, optional: false, help: "" }));
  const all = [...ports, ...extra];
  if (all.length === 0) return <p>This module has no outputs.</p>;
  return (
    <div>
      {all.map((p) => (
        <OutputPort key={p.name} runId={runId} nodeId={nodeId} title={title} port={p} output={outputs[p.name]} />
      ))}
    </div>
  );
}
