// One module as the catalogue explains it: its help, typed ports and parameters.
import { portColor, portTypeLabel } from "../canvas/portTypes";
import type { Module, ModuleParam, ModulePort } from "./catalogueApi";

function Ports({ title, direction, ports, module }: { title: string; direction: string; ports: ModulePort[]; module: string }) {
  return (
    <section aria-labelledby={`ports-${direction}`}>
      <h3 id={`ports-${direction}`}>{title}</h3>
      {ports.length === 0 ? (
        <p className="muted">None.</p>
      ) : (
        <ul className="port-list">
          {ports.map((port) => (
            <li key={port.name} aria-label={`${direction} ${port.label} of ${module}: ${portTypeLabel(port.type)}`}>
              <span className="port-swatch" style={{ background: portColor(port.type) }} aria-hidden="true" />
              <strong>{port.label}</strong> <code>{port.name}</code> ·{" "}
              <span className="dtype">{portTypeLabel(port.type)}</span>
              {port.optional && <span className="muted"> (optional)</span>}
              {port.help && <p className="muted">{port.help}</p>}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function shown(value: unknown): string {
  if (value === null || value === undefined || value === "") return "—";
  if (Array.isArray(value)) return value.length ? value.join(", ") : "—";
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

/** "0 – 1", "≥ 1e-06", "≤ 10", "one of: a, b", columns of a port, or nothing. */
export function paramRange(param: ModuleParam): string {
  const parts: string[] = [];
  if (param.min !== undefined && param.max !== undefined) parts.push(`${param.min} – ${param.max}`);
  else if (param.min !== undefined) parts.push(`≥ ${param.min}`);
  else if (param.max !== undefined) parts.push(`≤ ${param.max}`);
  if (param.choices?.length) parts.push(`one of: ${param.choices.join(", ")}`);
  if (param.port) parts.push(`${param.multiple ? "columns" : "a column"} of input “${param.port}”`);
  return parts.join("; ") || "—";
}

function Params({ params }: { params: ModuleParam[] }) {
  if (params.length === 0) return <p className="muted">This module has no parameters.</p>;
  return (
    <div className="table-scroll">
      <table className="data-table">
        <caption className="visually-hidden">Parameters</caption>
        <thead>
          <tr>
            <th scope="col">Parameter</th>
            <th scope="col">Kind</th>
            <th scope="col">Default</th>
            <th scope="col">Range</th>
            <th scope="col">Help</th>
          </tr>
        </thead>
        <tbody>
          {params.map((p) => (
            <tr key={p.name}>
              <th scope="row">
                {p.label} <code className="muted">{p.name}</code>
                {p.required && <span className="muted"> (required)</span>}
              </th>
              <td>
                <span className="dtype">{p.kind}</span>
              </td>
              <td>{shown(p.default)}</td>
              <td>{paramRange(p)}</td>
              <td>{p.help || "—"}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function ModuleDetail({ module }: { module: Module }) {
  return (
    <article className="panel stack" aria-labelledby="module-title">
      <header>
        <h2 id="module-title">{module.label}</h2>
        <p className="muted">
          {module.category} · <code>{module.key}</code> version {module.version}
          {module.user_code && " · runs your code"}
        </p>
      </header>
      <p className="module-help">{module.description || "No help text."}</p>
      <Ports title="Inputs" direction="input" ports={module.inputs} module={module.label} />
      <Ports title="Outputs" direction="output" ports={module.outputs} module={module.label} />
      <section aria-labelledby="module-params">
        <h3 id="module-params">Parameters</h3>
        <Params params={module.params} />
      </section>
    </article>
  );
}
