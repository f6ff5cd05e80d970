// The connection rule of the canvas: the server's port-type rule (modules_catalog.ports.can_connect),
// one edge per input, no self-loop and no cycle. Every refusal carries a sentence saying why.
import type { EdgeDoc, ModuleSpec, PortSpec, PortType } from "../api/types";

/** True when an output of type `source` may feed an input of type `target` (exact match, or AnyFile). */
export function canConnectTypes(source: PortType, target: PortType): boolean {
  return source === target || target === "AnyFile";
}

export interface ProposedEdge {
  source: string;
  sourcePort: string;
  target: string;
  targetPort: string;
}

/** What the rule needs to know about the graph. */
export interface GraphView {
  moduleOf(nodeId: string): ModuleSpec | undefined;
  titleOf(nodeId: string): string;
  edges: readonly EdgeDoc[];
}

export type ConnectionCheck = { ok: true } | { ok: false; reason: string };

function portName(port: PortSpec): string {
  return port.label || port.name;
}

/** Whether `from` reaches `to` along the edges (a new edge to -> from would close a cycle). */
function reaches(edges: readonly EdgeDoc[], from: string, to: string): boolean {
  const next = new Map<string, string[]>();
  for (const e of edges) {
    const list = next.get(e.source);
    if (list) list.push(e.target);
    else next.set(e.source, [e.target]);
  }
  const seen = new Set<string>([from]);
  const stack = [from];
  while (stack.length) {
    const node = stack.pop()!;
    if (node === to) return true;
    for (const n of next.get(node) ?? []) {
      if (!seen.has(n)) {
        seen.add(n);
        stack.push(n);
      }
    }
  }
  return false;
}

/** The reason a type pair is refused, as a person reads it. */
export function typeRefusal(source: PortType, target: PortType): string {
  // the type names as the server's errors and the port tooltips write them
  const a = /^[AEIOU]/.test(target) ? "an" : "a";
  return `${source} output cannot feed ${a} ${target} input; it takes only ${a} ${target} output`;
}

export function checkConnection(graph: GraphView, c: ProposedEdge): ConnectionCheck {
  if (c.source === c.target) return { ok: false, reason: "A node cannot feed its own input" };
  const srcModule = graph.moduleOf(c.source);
  const dstModule = graph.moduleOf(c.target);
  if (!srcModule || !dstModule) return { ok: false, reason: "This node's module is not in the catalogue" };
  const out = srcModule.outputs.find((p) => p.name === c.sourcePort);
  const inp = dstModule.inputs.find((p) => p.name === c.targetPort);
  if (!out) return { ok: false, reason: `${graph.titleOf(c.source)} has no output "${c.sourcePort}"` };
  if (!inp) return { ok: false, reason: `${graph.titleOf(c.target)} has no input "${c.targetPort}"` };
  if (!canConnectTypes(out.type, inp.type)) return { ok: false, reason: typeRefusal(out.type, inp.type) };
  const taken = graph.edges.find((e) => e.target === c.target && e.target_port === c.targetPort);
  if (taken) {
    return {
      ok: false,
      reason: `Input ${portName(inp)} of ${graph.titleOf(c.target)} is already connected (an input takes one edge); delete that edge first`,
    };
  }
  if (reaches(graph.edges, c.target, c.source)) {
    return {
      ok: false,
      reason: `This would make a cycle: ${graph.titleOf(c.target)} already feeds ${graph.titleOf(c.source)}`,
    };
  }
  return { ok: true };
}
