// The rows of a DataFrame output that are in view, fetched a page at a time as they scroll in
// (one TanStack query per page, kept: an output's rows never change). Until its page arrives a
// row is one of the preview rows the output's metadata already holds, or still loading.
import { useQueries } from "@tanstack/react-query";
import { PAGE_SIZE, type RowsSource, fetchOutputRows, pageOffsets } from "./rowsApi";

export type RowState = { status: "ready"; values: unknown[] } | { status: "loading" } | { status: "error" };

export interface PagedRows {
  rowAt: (index: number) => RowState;
  /** The messages of the pages in view that could not be read, with the rows they hold. */
  errors: string[];
}

interface Window {
  total: number;
  first: number; // the rows drawn, first to last inclusive
  last: number;
  columns: string[]; // the order the table shows them in
  preview: unknown[][];
}

export function usePagedRows(source: RowsSource, { total, first, last, columns, preview }: Window): PagedRows {
  const offsets = pageOffsets(first, last, total);
  const pages = useQueries({
    queries: offsets.map((offset) => ({
      queryKey: ["run-output-rows", source.runId, source.nodeId, source.port, offset],
      queryFn: () => fetchOutputRows(source, offset, PAGE_SIZE),
      staleTime: Infinity,
    })),
  });
  const byOffset = new Map(offsets.map((offset, i) => [offset, pages[i]]));
  const rowAt = (index: number): RowState => {
    const page = byOffset.get(Math.floor(index / PAGE_SIZE) * PAGE_SIZE);
    const values = page?.data?.rows[index % PAGE_SIZE];
    if (values && page?.data) return { status: "ready", values: inOrder(values, page.data.columns, columns) };
    if (index < preview.length) return { status: "ready", values: preview[index] };
    return page?.isError ? { status: "error" } : { status: "loading" };
  };
  const errors = offsets.flatMap((offset, i) => {
    const error = pages[i].error;
    if (!error) return [];
    const end = Math.min(offset + PAGE_SIZE, total);
    return [`Could not read rows ${(offset + 1).toLocaleString()}–${end.toLocaleString()}: ${error.message}`];
  });
  return { rowAt, errors };
}

/** A row's values in the table's column order (the server's should be the same; if not, by name). */
function inOrder(values: unknown[], given: { name: string }[], wanted: string[]): unknown[] {
  if (given.length === wanted.length && given.every((c, i) => c.name === wanted[i])) return values;
  const at = new Map(given.map((c, i) => [c.name, i]));
  return wanted.map((name) => {
    const i = at.get(name);
    return i === undefined ? null : values[i];
  });
}
