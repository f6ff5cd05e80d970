// The connection rule applied to the store's graph, and to what xyflow hands over while wiring.
import type { Connection, FinalConnectionState, Handle } from "@xyflow/react";
import { moduleOf, nodeTitle } from "../store/catalogue";
import { edgeToDoc } from "../store/convert";
import type { DesignerState } from "../store/designerStore";
import { checkConnection, type ConnectionCheck, type GraphView, type ProposedEdge } from "./connection";

export function graphViewOf(s: Pick<DesignerState, "nodes" | "edges" | "modules">): GraphView {
  const byId = new Map(s.nodes.map((n) => [n.id, n]));
  return {
    moduleOf: (id) => {
      const node = byId.get(id);
      return node ? moduleOf(s.modules, node.data.doc) : undefined;
    },
    titleOf: (id) => {
      const node = byId.get(id);
      return node ? nodeTitle(s.modules, node.data.doc) : id;
    },
    edges: s.edges.map(edgeToDoc),
  };
}

export function proposedOf(c: Connection | { source: string; target: string; sourceHandle?: string | null; targetHandle?: string | null }): ProposedEdge {
  return { source: c.source, sourcePort: c.sourceHandle ?? "", target: c.target, targetPort: c.targetHandle ?? "" };
}

export function checkInStore(s: Pick<DesignerState, "nodes" | "edges" | "modules">, c: ProposedEdge): ConnectionCheck {
  return checkConnection(graphViewOf(s), c);
}

type WiringState = Pick<FinalConnectionState, "fromHandle" | "toHandle" | "isValid">;

/** Why the handle under the pointer refuses the wire being drawn; null when nothing is refused. */
export function refusalOf(s: Pick<DesignerState, "nodes" | "edges" | "modules">, state: WiringState): string | null {
  const from: Handle | null = state.fromHandle;
  const to: Handle | null = state.toHandle;
  if (!from || !to || state.isValid) return null;
  if (from.type === to.type) {
    return from.type === "source" ? "An output can only feed an input" : "An input can only take an output";
  }
  const [out, inp] = from.type === "source" ? [from, to] : [to, from];
  const check = checkInStore(s, { source: out.nodeId, sourcePort: out.id ?? "", target: inp.nodeId, targetPort: inp.id ?? "" });
  return check.ok ? null : check.reason;
}
