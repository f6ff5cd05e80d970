// Graph conversions: the pipeline document <-> xyflow nodes and edges, lossless both ways.
import type { EdgeDoc, NodeDoc, PipelineDocument } from "../api/types";
import type { DesignerEdge, DesignerNode, DocumentMeta } from "./types";

/** The id the server gives an edge in its errors (engine/documents.py `edge_id`). */
export function edgeIdOf(e: EdgeDoc): string {
  return e.id || `${e.source}.${e.source_port}->${e.target}.${e.target_port}`;
}

export function nodeToFlow(doc: NodeDoc, index = 0): DesignerNode {
  const { position, ...rest } = doc;
  return {
    id: doc.id,
    type: "generic",
    position: position ? { x: position.x, y: position.y } : { x: (index % 6) * 240, y: Math.floor(index / 6) * 160 },
    data: { doc: rest as NodeDoc },
  };
}

export function edgeToFlow(e: EdgeDoc): DesignerEdge {
  return {
    id: edgeIdOf(e),
    source: e.source,
    target: e.target,
    sourceHandle: e.source_port,
    targetHandle: e.target_port,
    data: e.id ? { docId: e.id } : {},
  };
}

export function edgeToDoc(e: DesignerEdge): EdgeDoc {
  const doc: EdgeDoc = { source: e.source, source_port: e.sourceHandle ?? "", target: e.target, target_port: e.targetHandle ?? "" };
  return e.data?.docId ? { id: e.data.docId, ...doc } : doc;
}

export function nodeToDoc(n: DesignerNode): NodeDoc {
  return { ...n.data.doc, position: { x: n.position.x, y: n.position.y } }; // as drawn: a reload restores it exactly
}

export function documentToFlow(doc: PipelineDocument): { meta: DocumentMeta; nodes: DesignerNode[]; edges: DesignerEdge[] } {
  return {
    meta: {
      name: doc.name ?? "",
      description: doc.description,
      parameters: doc.parameters ?? [],
      ...(doc.default_target ? { default_target: doc.default_target } : {}),
    },
    nodes: (doc.nodes ?? []).map(nodeToFlow),
    edges: (doc.edges ?? []).map(edgeToFlow),
  };
}

export function flowToDocument(meta: DocumentMeta, nodes: readonly DesignerNode[], edges: readonly DesignerEdge[]): PipelineDocument {
  const doc: PipelineDocument = {
    schema_version: 1,
    name: meta.name,
    parameters: meta.parameters,
    nodes: nodes.map(nodeToDoc),
    edges: edges.map(edgeToDoc),
  };
  if (meta.description !== undefined) doc.description = meta.description;
  if (meta.default_target) doc.default_target = meta.default_target;
  return doc;
}

/** A document from the server, tolerating an empty or partial one (a new draft). */
export function asDocument(value: unknown): PipelineDocument {
  if (value && typeof value === "object" && Array.isArray((value as PipelineDocument).nodes)) {
    return value as PipelineDocument;
  }
  return { schema_version: 1, nodes: [], edges: [], parameters: [], ...(value && typeof value === "object" ? value : {}) } as PipelineDocument;
}
