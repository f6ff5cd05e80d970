// Rows of a DataFrame in a scrolling table that draws only the rows in view (@tanstack/react-virtual),
// with ARIA table roles so a screen reader still knows each cell's row and column. The rows come
// from `rowAt`, which may not have them yet: those are drawn as "loading…" placeholders, and
// `onRangeChange` tells the owner which rows (with the overscan) are drawn so it can fetch them.
import { useEffect, useId, useRef } from "react";
import { elementScroll, observeElementOffset, useVirtualizer } from "@tanstack/react-virtual";
import { formatNumber } from "../runs/format";
import type { FrameColumn } from "../runs/types";
import type { RowState } from "./usePagedRows";

const ROW_HEIGHT = 28;
const COLUMN_WIDTH = 140;
/** Browsers cap an element's height (Firefox near 17.9 million px): a taller table scrolls a
 * shorter area, each pixel of it standing for `ratio` pixels of rows. */
export const MAX_SCROLL_HEIGHT = 10_000_000;

/** Pixels of rows per pixel scrolled: 1 unless the rows are taller than MAX_SCROLL_HEIGHT. */
export function scrollRatio(count: number, viewport: number): number {
  const full = count * ROW_HEIGHT;
  if (full <= MAX_SCROLL_HEIGHT) return 1;
  return Math.max(1, full - viewport) / Math.max(1, MAX_SCROLL_HEIGHT - viewport);
}

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
  const ratio = scrollRatio(count, height);
  const ratioRef = useRef(ratio); // the scroll listener is set up once; the count may change under it
  ratioRef.current = ratio;
  const virtualizer = useVirtualizer({
    count,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 10,
    initialRect: { width: 800, height },
    // offsets the virtualiser works in are rows' pixels; the element scrolls `ratio` times fewer
    observeElementOffset: (instance, cb) => observeElementOffset(instance, (offset, scrolling) => cb(offset * ratioRef.current, scrolling)),
    scrollToFn: (offset, options, instance) => elementScroll(offset / ratioRef.current, options, instance),
  });
  const items = virtualizer.getVirtualItems();
  const first = items.length ? items[0].index : 0;
  const last = items.length ? items[items.length - 1].index : -1;
  useEffect(() => onRangeChange?.(first, last), [first, last, onRangeChange]);
  const shownFrom = virtualizer.range?.startIndex ?? first;
  const shownTo = virtualizer.range?.endIndex ?? last;
  const width = Math.max(1, columns.length) * COLUMN_WIDTH + 60;
  const offset = virtualizer.scrollOffset ?? 0;
  const shift = offset - offset / ratio; // where the rows in view are drawn inside the shorter area
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
        <div role="rowgroup" style={{ height: Math.min(virtualizer.getTotalSize(), MAX_SCROLL_HEIGHT), width, position: "relative" }}>
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
                style={{ position: "absolute", top: 0, transform: `translateY(${item.start - shift}px)`, height: ROW_HEIGHT }}
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
