// Structured errors indexed by what they point at, so each node, port, edge and parameter finds
// its own errors in one lookup (and keeps the same array while its errors do not change).
import type { GraphError } from "../api/types";

export interface ErrorIndex {
  all: GraphError[];
  byNode: Record<string, GraphError[]>;
  /** key: `${node}:${port}` */
  byPort: Record<string, GraphError[]>;
  byEdge: Record<string, GraphError[]>;
  /** key: `${node}:${param}` for a node's parameter, `:${param}` for a pipeline parameter */
  byParam: Record<string, GraphError[]>;
  /** errors about the whole pipeline (no node, edge or parameter) */
  general: GraphError[];
}

function push(map: Record<string, GraphError[]>, key: string, error: GraphError) {
  (map[key] ??= []).push(error);
}

export function indexErrors(errors: readonly GraphError[]): ErrorIndex {
  const index: ErrorIndex = { all: [...errors], byNode: {}, byPort: {}, byEdge: {}, byParam: {}, general: [] };
  for (const e of errors) {
    if (e.node) push(index.byNode, e.node, e);
    if (e.node && e.port) push(index.byPort, `${e.node}:${e.port}`, e);
    if (e.edge) push(index.byEdge, e.edge, e);
    if (e.param) push(index.byParam, `${e.node ?? ""}:${e.param}`, e);
    if (!e.node && !e.edge && !e.param) index.general.push(e);
  }
  return index;
}

function sameErrors(a: readonly GraphError[] | undefined, b: readonly GraphError[]): boolean {
  return !!a && a.length === b.length && a.every((e, i) => JSON.stringify(e) === JSON.stringify(b[i]));
}

/** `next` with the arrays of `previous` kept where equal, so unchanged nodes do not re-render. */
export function keepUnchanged(previous: ErrorIndex, next: ErrorIndex): ErrorIndex {
  const keep = (p: Record<string, GraphError[]>, n: Record<string, GraphError[]>) => {
    for (const key of Object.keys(n)) if (sameErrors(p[key], n[key])) n[key] = p[key];
    return n;
  };
  return {
    ...next,
    byNode: keep(previous.byNode, next.byNode),
    byPort: keep(previous.byPort, next.byPort),
    byEdge: keep(previous.byEdge, next.byEdge),
    byParam: keep(previous.byParam, next.byParam),
  };
}

export const NO_ERRORS: ErrorIndex = indexErrors([]);
