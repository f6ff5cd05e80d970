// The canvas store's shapes: xyflow nodes and edges carrying the document's node and edge, the
// document's other fields, and the server calls the store makes (injected, so tests need no server).
import type { Edge, Node } from "@xyflow/react";
import type { GraphError, NodeDoc, NodeSchemas, PipelineParameter } from "../api/types";

/** A node as the canvas holds it: the document node (its position lives on the xyflow node). */
export interface DesignerNodeData extends Record<string, unknown> {
  doc: NodeDoc;
}
export type DesignerNode = Node<DesignerNodeData, "generic">;

/** An edge: handles are the port names; `docId` keeps an id the document gave the edge. */
export interface DesignerEdgeData extends Record<string, unknown> {
  docId?: string;
}
export type DesignerEdge = Edge<DesignerEdgeData>;

/** Everything of the document that is not a node or an edge. */
export interface DocumentMeta {
  name: string;
  description?: string;
  default_target?: string | null;
  parameters: PipelineParameter[];
}

export interface SavedDraft {
  id: number;
  name: string;
  revision?: number;
  workspace: string;
  document: unknown;
}

export interface DraftSchemas {
  nodes: Record<string, NodeSchemas>;
  errors: GraphError[];
}

/** The server calls of the designer; each throws ApiError (status 409 on a stale revision). */
export interface DesignerApi {
  loadDraft(id: number): Promise<SavedDraft>;
  saveDraft(id: number, body: { name: string; document: unknown; revision?: number }): Promise<SavedDraft>;
  validate(id: number): Promise<GraphError[]>;
  schemas(id: number): Promise<DraftSchemas>;
}
