// A module's help: its description and its typed ports, shown beside a palette entry.
import type { ModuleSpec, PortSpec } from "../api/types";
import { portColor } from "../canvas/portTypes";

function PortList({ title, ports }: { title: string; ports: PortSpec[] }) {
  if (ports.length === 0) return null;
  return (
    <>
      <h4>{title}</h4>
      <ul>
        {ports.map((p) => (
          <li key={p.name}>
            <span className="gw-swatch" style={{ background: portColor(p.type) }} aria-hidden="true" />
            {p.label || p.name} <span className="gw-muted">({p.type}{p.optional ? ", optional" : ""})</span>
            {p.help && <span className="gw-muted"> — {p.help}</span>}
          </li>
        ))}
      </ul>
    </>
  );
}

export function ModuleHelp({ module, id, top }: { module: ModuleSpec; id: string; top: number }) {
  return (
    <div id={id} role="tooltip" className="gw-module-help" style={{ top }}>
      <h3>{module.label}</h3>
      <p>{module.description || "No description."}</p>
      <PortList title="Inputs" ports={module.inputs} />
      <PortList title="Outputs" ports={module.outputs} />
      <p className="gw-muted">Drag onto the canvas, or press Enter to add.</p>
    </div>
  );
}
