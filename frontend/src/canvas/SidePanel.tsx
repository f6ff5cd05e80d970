// The right panel: the properties of the one selected node, or the pipeline's parameters when no
// node is selected.
import { useMemo } from "react";
import type { GraphError, NodeDoc } from "../api/types";
import { useCurrentWorkspace } from "../app/hooks";
import { useEnvironmentChoices } from "../environments/environmentsApi";
import { ParametersPanel } from "../properties/ParametersPanel";
import { PropertiesPanel } from "../properties/PropertiesPanel";
import { moduleOf } from "../store/catalogue";
import { useDesigner, useDesignerStoreApi } from "../store/designerStore";

const NO_ERRORS: GraphError[] = [];
const NO_SCHEMAS = {};

function selectedNodeId(s: { nodes: { id: string; selected?: boolean }[] }): string | null | "many" {
  let found: string | null = null;
  for (const n of s.nodes) {
    if (!n.selected) continue;
    if (found !== null) return "many";
    found = n.id;
  }
  return found;
}

function NodeProperties({ id, targets }: { id: string; targets: string[] }) {
  const store = useDesignerStoreApi();
  const doc = useDesigner((s) => s.nodes.find((n) => n.id === id)?.data.doc);
  const module = useDesigner((s) => (doc ? moduleOf(s.modules, doc) : undefined));
  const errors = useDesigner((s) => s.errors.byNode[id]) ?? NO_ERRORS;
  const inputSchemas = useDesigner((s) => s.schemas[id]?.inputs) ?? NO_SCHEMAS;
  const parameters = useDesigner((s) => s.meta.parameters);
  const workspace = useCurrentWorkspace();
  const environments = useEnvironmentChoices(workspace?.slug ?? "");
  if (!doc) return null;
  if (!module) {
    return (
      <p className="gw-problem">
        The module “{doc.module}” of node {doc.id} is not in the catalogue; delete the node or replace it.
      </p>
    );
  }
  return (
    <PropertiesPanel
      key={id}
      module={module}
      node={doc as NodeDoc}
      inputSchemas={inputSchemas}
      pipelineParameters={parameters}
      errors={errors}
      targets={targets}
      environments={environments}
      workspaceId={workspace?.id ?? 0}
      onChange={(patch) => store.getState().updateNode(id, patch)}
    />
  );
}

/** The pipeline's default compute target: where every node that names none runs. */
export function DefaultTarget({ targets }: { targets: string[] }) {
  const store = useDesignerStoreApi();
  const value = useDesigner((s) => s.meta.default_target ?? "");
  const all = useDesigner((s) => s.errors.all);
  const problem = all.find((e) => e.code === "unknown_target" && !e.node);
  const choices = value && !targets.includes(value) ? [...targets, value] : targets;
  return (
    <div className="gw-default-target">
      <label>
        Default compute target
        <select
          value={value}
          aria-invalid={!!problem || undefined}
          onChange={(e) => store.getState().setDefaultTarget(e.target.value || null)}
        >
          <option value="">Server default</option>
          {choices.map((t) => (
            <option key={t} value={t}>
              {t}
              {targets.includes(t) ? "" : " (not a target of this workspace)"}
            </option>
          ))}
        </select>
      </label>
      {problem && (
        <p className="gw-problem" role="alert">
          {problem.message}
        </p>
      )}
    </div>
  );
}

function PipelineParameters({ targets }: { targets: string[] }) {
  const store = useDesignerStoreApi();
  const parameters = useDesigner((s) => s.meta.parameters);
  const all = useDesigner((s) => s.errors.all);
  const errors = useMemo(() => all.filter((e) => e.param && !e.node), [all]);
  return (
    <>
    <DefaultTarget targets={targets} />
    <ParametersPanel
      parameters={parameters}
      errors={errors}
      onChange={(next) => store.getState().setParameters(next)}
      onRename={(from, to) => store.getState().rebindParameter(from, to)}
    />
    </>
  );
}

export function SidePanel({ targets }: { targets: string[] }) {
  const selected = useDesigner(selectedNodeId);
  return (
    <aside className="gw-side-panel" aria-label={selected && selected !== "many" ? "Node properties" : "Pipeline parameters"}>
      {selected === "many" ? (
        <p className="gw-muted">Several nodes are selected. Select one to edit its properties.</p>
      ) : selected ? (
        <NodeProperties id={selected} targets={targets} />
      ) : (
        <PipelineParameters targets={targets} />
      )}
    </aside>
  );
}
