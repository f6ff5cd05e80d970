// Rows of a DataFrame in a scrolling table that draws only the rows in view (@tanstack/react-virtual),
// with ARIA table roles so a screen reader still knows each cell's row and column.
import { useRef } from "react";
import { useVirtualizer } from "@tanstack/react-virtual";
import { formatNumber } from "../runs/format";
import type { FrameColumn } from "../runs/types";

const ROW_HEIGHT = 28;
const COLUMN_WIDTH = 140;

interface Props {
  label: string;
  columns: FrameColumn[];
  rows: unknown[][];
  height?: number;
}

function cell(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "number") return formatNumber(value);
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

export function VirtualTable({ label, columns, rows, height = 320 }: Props) {
  const scroller = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 10,
    initialRect: { width: 800, height },
  });
  const width = Math.max(1, columns.length) * COLUMN_WIDTH + 60;
  return (
    <div
      ref={scroller}
      className="virtual-table"
      style={{ height, overflow: "auto" }}
      role="table"
      aria-label={label}
      aria-rowcount={rows.length + 1}
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
        {virtualizer.getVirtualItems().map((item) => (
          <div
            role="row"
            key={item.key}
            aria-rowindex={item.index + 2}
            className="virtual-table-row"
            style={{ position: "absolute", top: 0, transform: `translateY(${item.start}px)`, height: ROW_HEIGHT }}
          >
            <span role="cell" className="virtual-table-index">
              {item.index + 1}
            </span>
            {columns.map((c, j) => (
              <span role="cell" key={c.name} style={{ width: COLUMN_WIDTH }}>
                {cell(rows[item.index]?.[j])}
              </span>
            ))}
          </div>
        ))}
      </div>
    </div>
  );
}
