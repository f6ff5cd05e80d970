// The selected node's properties: a form generated from its module's parameter kinds, bindings to
// pipeline parameters, its own settings, and its errors where they belong.
import type { ColumnInfo, GraphError, ModuleSpec, NodeDoc, PipelineParameter } from "../api/types";
import { ParamField } from "./ParamField";
import { NODE_FIELDS, NodeSettings } from "./NodeSettings";
import "./properties.css";

export interface PropertiesPanelProps {
  module: ModuleSpec;
  node: NodeDoc;
  inputSchemas: Record<string, ColumnInfo[] | null>;
  pipelineParameters: PipelineParameter[];
  errors: GraphError[];
  targets: string[];
  /** the workspace's environments a node may name */
  environments?: string[];
  workspaceId: number;
  /** one call per user edit (one undo entry) */
  onChange(patch: Partial<NodeDoc>): void;
  /** the workspace's slug, when the page has it (the datasets list is filtered by slug) */
  workspaceSlug?: string;
}

function describeError(e: GraphError): string {
  return e.port ? `${e.message} (port ${e.port})` : e.message;
}

export function PropertiesPanel(props: PropertiesPanelProps) {
  const { module, node, errors, onChange } = props;
  const idPrefix = `props-${node.id}`;
  const mine = errors.filter((e) => e.node === node.id);
  const paramNames = new Set(module.params.map((p) => p.name));
  const settingFields = new Set<string>(NODE_FIELDS);
  const atTop = mine.filter(
    (e) => !(e.param && paramNames.has(e.param)) && !(e.field && settingFields.has(e.field)),
  );
  const setParam = (name: string, value: unknown) => {
    const params = { ...(node.params ?? {}) };
    if (value === undefined) delete params[name];
    else params[name] = value;
    onChange({ params });
  };
  const title = node.label || module.label;
  return (
    <section className="gw-properties" aria-labelledby={`${idPrefix}-title`} data-node={node.id}>
      <header>
        <h2 id={`${idPrefix}-title`}>Properties of {title}</h2>
        <p className="gw-help">
          {module.label} {module.version ? `v${module.version}` : ""} · {module.category}
          {module.disabled ? " · disabled" : ""}
        </p>
        {module.description && <p className="gw-module-description">{module.description}</p>}
      </header>
      {atTop.length > 0 && (
        <div className="gw-node-errors" role="alert">
          <p>
            {atTop.length === 1 ? "1 problem" : `${atTop.length} problems`} with this node:
          </p>
          <ul>
            {atTop.map((e, i) => (
              <li key={i} data-code={e.code}>
                {describeError(e)}
                {e.hint && <span className="gw-field-hint"> {e.hint}</span>}
              </li>
            ))}
          </ul>
        </div>
      )}
      <section className="gw-params" aria-labelledby={`${idPrefix}-params-title`} key={node.id}>
        <h3 id={`${idPrefix}-params-title`}>Parameters</h3>
        {module.params.length === 0 && <p className="gw-help">This module has no parameters.</p>}
        {module.params.map((spec) => (
          <ParamField
            key={spec.name}
            idPrefix={idPrefix}
            spec={spec}
            value={node.params?.[spec.name]}
            errors={mine.filter((e) => e.param === spec.name).map((e) => ({ message: describeError(e), hint: e.hint }))}
            inputs={module.inputs}
            inputSchemas={props.inputSchemas}
            pipelineParameters={props.pipelineParameters}
            workspaceId={props.workspaceId}
            workspaceSlug={props.workspaceSlug}
            onCommit={(value) => setParam(spec.name, value)}
          />
        ))}
      </section>
      <NodeSettings key={`settings-${node.id}`} idPrefix={idPrefix} node={node} targets={props.targets} environments={props.environments} errors={mine}
        onChange={onChange} />
    </section>
  );
}
