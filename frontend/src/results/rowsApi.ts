// Windows of a DataFrame output's rows, read by the server from the stored data
// (GET runs/<id>/steps/<node>/outputs/<port>/rows/?offset=&limit=).
import { api, unwrap } from "../api/client";
import type { components } from "../api/schema";

export type OutputRows = components["schemas"]["OutputRows"];

/** Rows are asked for in pages of this many (the server allows up to 1,000). */
export const PAGE_SIZE = 200;

export interface RowsSource {
  runId: number;
  nodeId: string;
  port: string;
}

export async function fetchOutputRows({ runId, nodeId, port }: RowsSource, offset: number, limit = PAGE_SIZE): Promise<OutputRows> {
  const result = await api.GET("/api/v1/runs/{run_id}/steps/{node_id}/outputs/{port}/rows/", {
    params: { path: { run_id: runId, node_id: nodeId, port }, query: { offset, limit } },
  });
  return unwrap(result);
}

/** The offsets of the pages holding rows `first`..`last` (inclusive) of `total`. */
export function pageOffsets(first: number, last: number, total: number): number[] {
  if (total <= 0 || last < first) return [];
  const from = Math.floor(Math.max(0, first) / PAGE_SIZE);
  const to = Math.floor(Math.min(last, total - 1) / PAGE_SIZE);
  const offsets: number[] = [];
  for (let page = from; page <= to; page++) offsets.push(page * PAGE_SIZE);
  return offsets;
}
