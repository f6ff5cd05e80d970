// Rows of a DataFrame in a scrolling table that draws only the rows in view (@tanstack/react-virtual),
// with ARIA table roles so a screen reader still knows each cell's row and column. The rows come
// from `rowAt`, which may not have them yet: those are drawn as "loading…" placeholders, and
// `onRangeChange` tells the owner which rows (with the overscan) are drawn so it can fetch them.
import { useEffect, useId, useRef } from "react";
import { useVirtualizer } from "@tanstack/react-virtual";
import { formatNumber } from "../runs/format";
import type { FrameColumn } from "../runs/types";
import type { RowState } from "./usePagedRows";

const ROW_HEIGHT = 28;
const COLUMN_WIDTH = 140;

interface Props {
  label: string;
  columns: FrameColumn[];
  count: number;
  rowAt: (index: number) => RowState;
  onRangeChange?: (first: number, last: number) => void;
  height?: number;
}

function cell(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "number") return formatNumber(value);
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

export function VirtualTable({ label, columns, count, rowAt, onRangeChange, height = 320 }: Props) {
  const scroller = useRef<HTMLDivElement>(null);
  const statusId = useId();
  const virtualizer = useVirtualizer({
    count,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 10,
    initialRect: { width: 800, height },
  });
  const items = virtualizer.getVirtualItems();
  const first = items.length ? items[0].index : 0;
  const last = items.length ? items[items.length - 1].index : -1;
  useEffect(() => onRangeChange?.(first, last), [first, last, onRangeChange]);
  const shownFrom = virtualizer.range?.startIndex ?? first;
  const shownTo = virtualizer.range?.endIndex ?? last;
  const width = Math.max(1, columns.length) * COLUMN_WIDTH + 60;
  return (
    <>
      <p id={statusId} className="virtual-table-status">
        {count === 0
          ? "No rows."
          : `Rows ${(shownFrom + 1).toLocaleString()}–${(Math.min(shownTo, count - 1) + 1).toLocaleString()} of ${count.toLocaleString()}`}
      </p>
      <div
        ref={scroller}
        className="virtual-table"
        style={{ height, overflow: "auto" }}
        role="table"
        aria-label={label}
        aria-describedby={statusId}
        aria-rowcount={count + 1}
        tabIndex={0}
      >
        <div role="rowgroup" className="virtual-table-head" style={{ width }}>
          <div role="row" aria-rowindex={1} className="virtual-table-row">
            <span role="columnheader" className="virtual-table-index">
              #
            </span>
            {columns.map((c) => (
              <span role="columnheader" key={c.name} style={{ width: COLUMN_WIDTH }} title={`${c.name}: ${c.dtype}`}>
                <span className="column-name">{c.name}</span> <span className="column-type">{c.dtype}</span>
              </span>
            ))}
          </div>
        </div>
        <div role="rowgroup" style={{ height: virtualizer.getTotalSize(), width, position: "relative" }}>
          {items.map((item) => {
            const row = rowAt(item.index);
            return (
              <div
                role="row"
                key={item.key}
                aria-rowindex={item.index + 2}
                aria-busy={row.status === "loading" || undefined}
                data-state={row.status}
                className="virtual-table-row"
                style={{ position: "absolute", top: 0, transform: `translateY(${item.start}px)`, height: ROW_HEIGHT }}
              >
                <span role="cell" className="virtual-table-index">
                  {(item.index + 1).toLocaleString()}
                </span>
                {columns.map((c, j) => (
                  <span role="cell" key={c.name} style={{ width: COLUMN_WIDTH, opacity: row.status === "ready" ? undefined : 0.6 }}>
                    {row.status === "ready" ? cell(row.values[j]) : j > 0 ? "" : row.status === "loading" ? "loading…" : "not read"}
                  </span>
                ))}
              </div>
            );
          })}
        </div>
      </div>
    </>
  );
}
