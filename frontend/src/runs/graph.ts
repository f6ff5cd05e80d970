// The submitted pipeline as xyflow nodes and edges: positions as the user drew them, ports from
// the catalogue (or from the edges, for a module the catalogue no longer has).
import type { Edge, Node } from "@xyflow/react";
import type { ModuleSpec, PipelineDocument, PortSpec } from "../api/types";
import { portColor } from "../canvas/portTypes";

export interface RunNodeData extends Record<string, unknown> {
  nodeId: string;
  title: string; // the user's label, else the module's
  moduleLabel: string;
  comment: string;
  inputs: PortSpec[];
  outputs: PortSpec[];
}

export type RunFlowNode = Node<RunNodeData, "run">;

const COLUMN = 280;
const ROW = 150;

function port(name: string, type = "AnyFile"): PortSpec {
  return { name, type, label: name, optional: false, help: "" };
}

/** Depth of every node (longest path from a source), for pipelines drawn without positions. */
function layers(doc: PipelineDocument): Map<string, number> {
  const depth = new Map(doc.nodes.map((n) => [n.id, 0]));
  const incoming = new Map<string, string[]>();
  for (const e of doc.edges ?? []) incoming.set(e.target, [...(incoming.get(e.target) ?? []), e.source]);
  const visiting = new Set<string>();
  const visit = (id: string): number => {
    if (visiting.has(id)) return 0; // a cycle (the server refuses those): stop here
    const known = depth.get(id);
    if (known !== undefined && known > 0) return known;
    visiting.add(id);
    const d = Math.max(0, ...(incoming.get(id) ?? []).filter((s) => depth.has(s)).map((s) => visit(s) + 1));
    visiting.delete(id);
    depth.set(id, d);
    return d;
  };
  for (const n of doc.nodes) visit(n.id);
  return depth;
}

export function buildRunGraph(
  doc: PipelineDocument,
  modules: Map<string, ModuleSpec>,
): { nodes: RunFlowNode[]; edges: Edge[] } {
  const drawn = doc.nodes.every((n) => n.position);
  const depth = drawn ? null : layers(doc);
  const rows = new Map<number, number>();
  const edges = doc.edges ?? [];
  const nodes: RunFlowNode[] = doc.nodes.map((n) => {
    const spec = modules.get(`${n.module}@${n.version ?? ""}`) ?? modules.get(n.module);
    let position = n.position ?? { x: 0, y: 0 };
    if (depth) {
      const d = depth.get(n.id) ?? 0;
      const row = rows.get(d) ?? 0;
      rows.set(d, row + 1);
      position = { x: d * COLUMN, y: row * ROW };
    }
    const inputs = spec?.inputs ?? edges.filter((e) => e.target === n.id).map((e) => port(e.target_port));
    const outputs =
      spec?.outputs ?? [...new Set(edges.filter((e) => e.source === n.id).map((e) => e.source_port))].map((p) => port(p));
    const title = n.label || spec?.label || n.module;
    return {
      id: n.id,
      type: "run",
      position,
      ariaLabel: `${title}: press Enter to show its results`,
      data: {
        nodeId: n.id,
        title,
        moduleLabel: spec?.label ?? n.module,
        comment: n.comment ?? "",
        inputs,
        outputs,
      },
    };
  });
  const outType = new Map<string, string>();
  for (const n of nodes) for (const p of n.data.outputs) outType.set(`${n.id}.${p.name}`, p.type);
  return {
    nodes,
    edges: edges.map((e) => ({
      id: e.id ?? `${e.source}.${e.source_port}-${e.target}.${e.target_port}`,
      source: e.source,
      sourceHandle: e.source_port,
      target: e.target,
      targetHandle: e.target_port,
      style: { stroke: portColor(outType.get(`${e.source}.${e.source_port}`) ?? "AnyFile"), strokeWidth: 2 },
    })),
  };
}

/** The catalogue by "key@version" and by key (the last version listed wins). */
export function modulesByKey(modules: ModuleSpec[] | undefined): Map<string, ModuleSpec> {
  const byKey = new Map<string, ModuleSpec>();
  for (const m of modules ?? []) {
    byKey.set(`${m.key}@${m.version}`, m);
    byKey.set(m.key, m);
  }
  return byKey;
}
