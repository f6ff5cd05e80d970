// The one node component of the canvas, drawn from the module's JSON: title, typed and coloured
// ports (xyflow handles named "input Dataset of Split Data"), comment, errors and plan marks.
import { Handle, Position, type NodeProps } from "@xyflow/react";
import { memo, useEffect, useRef, type CSSProperties } from "react";
import type { GraphError, ModuleSpec, PortSpec } from "../api/types";
import { compareVersions, moduleOf } from "../store/catalogue";
import { useDesigner, useDesignerStoreApi } from "../store/designerStore";
import { nodeWidth, portFraction } from "../store/nodeSize";
import { paramSummary } from "../store/paramSummary";
import type { DesignerNode } from "../store/types";
import { useEditing, type EditedField } from "./editing";
import { InlineText } from "./InlineText";
import { portColor } from "./portTypes";
import { withHint } from "./errorText";

const NO_ERRORS: GraphError[] = [];

interface PortsProps {
  ports: PortSpec[];
  side: "input" | "output";
  title: string;
  errors: GraphError[];
  /** outputs whose columns were learned from a run (the module cannot infer them) */
  learned?: { run: number; ports: string[] };
}

function Ports({ ports, side, title, errors, learned }: PortsProps) {
  const type = side === "input" ? "target" : "source";
  return (
    <div className={`gw-ports gw-ports--${side}`}>
      {ports.map((port, i) => {
        const left = `${portFraction(i, ports.length) * 100}%`;
        const portErrors = errors.filter((e) => e.port === port.name);
        const name = port.label || port.name;
        const learnedRun = learned?.ports.includes(port.name) ? learned.run : undefined;
        const hint = [`${name} (${port.type}${port.optional ? ", optional" : ""})`, port.help,
          learnedRun !== undefined ? `columns as run ${learnedRun} produced them` : "", ...portErrors.map(withHint)]
          .filter(Boolean)
          .join("\n");
        const style: CSSProperties = { left, background: portColor(port.type) };
        return (
          <div key={port.name}>
            <Handle
              type={type}
              id={port.name}
              position={side === "input" ? Position.Top : Position.Bottom}
              className={portErrors.length ? "gw-handle gw-handle--error" : "gw-handle"}
              style={style}
              role="img"
              aria-label={`${side} ${name} of ${title}`}
              title={hint}
              data-port-type={port.type}
              data-learned-run={learnedRun}
            />
            <span className="gw-port-label" style={{ left }} aria-hidden="true">
              {portErrors.length > 0 && <span className="gw-port-error">!</span>}
              {name}
            </span>
          </div>
        );
      })}
    </div>
  );
}

/** A structured error names a port by name only, and the compiler's port errors are about inputs
 * (missing, refused type, two edges): an output sharing an input's name ("data") must not show them. */
function outputErrors(errors: GraphError[], inputs: PortSpec[]): GraphError[] {
  const inputNames = new Set(inputs.map((p) => p.name));
  return errors.filter((e) => !e.port || !inputNames.has(e.port));
}

/** A node pinned to an older version than the one offered says so ("v1 → v2 available"); a
 * deprecated or disabled version says that. */
function VersionBadge({ module, offered }: { module?: ModuleSpec; offered?: ModuleSpec }) {
  if (!module) return null;
  const newer = offered && compareVersions(offered.version, module.version) > 0 ? offered.version : null;
  const status = module.status === "deprecated" || module.status === "disabled" ? module.status : null;
  if (!newer && !status) return null;
  const text = [status, newer ? `v${module.version} → v${newer} available` : null].filter(Boolean).join(" · ");
  const title = [
    status === "disabled" ? `${module.label} v${module.version} is disabled: a pipeline using it is refused` : null,
    status === "deprecated" ? `${module.label} v${module.version} is deprecated` : null,
    newer ? `version ${newer} is the default, which the palette offers` : null,
  ]
    .filter(Boolean)
    .join("; ");
  return (
    <div className={`gw-node-version gw-node-version--${status ?? "newer"}`} title={title} data-testid="version-badge">
      {text}
    </div>
  );
}

function GenericNodeView({ id, data, selected }: NodeProps<DesignerNode>) {
  const doc = data.doc;
  const module = useDesigner((s) => moduleOf(s.modules, doc));
  const offered = useDesigner((s) => s.modules.newest.get(doc.module)); // the default version
  const errors = useDesigner((s) => s.errors.byNode[id]) ?? NO_ERRORS;
  const plan = useDesigner((s) => s.plan?.[id]);
  const learned = useDesigner((s) => s.schemas[id]?.learned_from);
  const editing = useEditing((s) => (s.target?.nodeId === id ? s.target.field : null));
  const storeApi = useDesignerStoreApi();
  const ref = useRef<HTMLDivElement>(null);
  const title = doc.label || module?.label || doc.id;

  // xyflow's focusable wrapper (role=group) is named after the node, for screen readers.
  useEffect(() => {
    const kind = module?.label ?? doc.module;
    ref.current?.parentElement?.setAttribute("aria-label", title === kind ? title : `${title} (${kind})`);
  }, [title, module, doc.module]);

  const finishEdit = (field: EditedField) => (next: string | null) => {
    useEditing.getState().stop();
    if (next !== null && next !== (doc[field] ?? "")) storeApi.getState().updateNode(id, { [field]: next || undefined });
  };
  const startEdit = (field: EditedField) => () => useEditing.getState().start(id, field);

  const status = plan ? (plan.action === "run" ? "will-run" : "reused") : "idle";
  const inputs = module?.inputs ?? [];
  const outputs = module?.outputs ?? [];
  const nodeErrors = errors.filter((e) => !e.port);
  const className = [
    "gw-node",
    selected ? "gw-node--selected" : "",
    errors.length ? "gw-node--error" : "",
    module ? "" : "gw-node--unknown",
    plan ? `gw-node--plan-${plan.action}` : "",
  ].join(" ");

  return (
    <div ref={ref} className={className} data-status={status} style={{ width: nodeWidth(inputs.length, outputs.length) }}>
      <Ports ports={inputs} side="input" title={title} errors={errors} />
      <div className="gw-node-body">
        <div className="gw-node-title" onDoubleClick={startEdit("label")}>
          {editing === "label" ? (
            <InlineText value={doc.label ?? ""} label={`Label of ${title}`} placeholder={module?.label ?? doc.id} maxLength={200} onDone={finishEdit("label")} />
          ) : (
            <span className="gw-node-name">{title}</span>
          )}
          {errors.length > 0 && (
            <span className="gw-error-badge" title={errors.map(withHint).join("\n")}>
              {errors.length} {errors.length === 1 ? "error" : "errors"}
            </span>
          )}
        </div>
        {doc.label && module && <div className="gw-node-module">{module.label}</div>}
        <VersionBadge module={module} offered={offered} />
        {module && paramSummary(module, doc).map((line) => (
          <div key={line} className="gw-node-param">
            {line}
          </div>
        ))}
        {!module && <div className="gw-node-problem">Unknown module “{doc.module}”</div>}
        {nodeErrors[0] && (
          <div className="gw-node-problem" title={withHint(nodeErrors[0])}>
            {nodeErrors[0].message}
            {nodeErrors[0].hint && <div className="gw-node-hint">{nodeErrors[0].hint}</div>}
          </div>
        )}
        {editing === "comment" ? (
          <InlineText value={doc.comment ?? ""} label={`Comment of ${title}`} placeholder="Comment" maxLength={2000} onDone={finishEdit("comment")} />
        ) : (
          (doc.comment || selected) && (
            <div className={doc.comment ? "gw-node-comment" : "gw-node-comment gw-node-comment--empty"} onDoubleClick={startEdit("comment")}>
              {doc.comment || "Double-click (or Shift+F2) to comment"}
            </div>
          )
        )}
        {plan && (
          <div className={`gw-plan gw-plan--${plan.action}`} title={plan.reason}>
            <strong>{plan.action === "run" ? "will run" : "reused"}</strong> {plan.reason}
          </div>
        )}
      </div>
      <Ports ports={outputs} side="output" title={title} errors={outputErrors(errors, inputs)} learned={learned} />
    </div>
  );
}

/** Redraw only when what the node shows changes: not when xyflow measures or moves it. */
function sameView(a: NodeProps<DesignerNode>, b: NodeProps<DesignerNode>): boolean {
  return a.id === b.id && a.data === b.data && a.selected === b.selected;
}

export const GenericNode = memo(GenericNodeView, sameView);
