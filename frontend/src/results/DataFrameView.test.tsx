import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { render, screen, within } from "@testing-library/react";
import { DataFrameView } from "./DataFrameView";
import { statsFromValues } from "./frameStats";
import type { DataFrameMeta } from "../runs/types";

// jsdom lays nothing out: give the scrolling table a height so the virtualiser has a window
const HEIGHT = 320;
let restore: (() => void) | null = null;
beforeEach(() => {
  const original = Object.getOwnPropertyDescriptor(Element.prototype, "clientHeight");
  Object.defineProperty(HTMLElement.prototype, "clientHeight", { configurable: true, get: () => HEIGHT });
  restore = () => {
    delete (HTMLElement.prototype as { clientHeight?: number }).clientHeight;
    if (original) Object.defineProperty(Element.prototype, "clientHeight", original);
  };
});
afterEach(() => restore?.());

function frame(n: number): DataFrameMeta {
  const rows = Array.from({ length: n }, (_, i) => [i, i % 3 === 0 ? null : i / 2, ["a", "b"][i % 2]]);
  return {
    rows: n * 10,
    columns: [
      { name: "id", dtype: "int", stats: { count: n * 10, missing: 0, mean: 4.5, min: 0, max: 9, median: 4.5, std: 3 } },
      { name: "score", dtype: "float" }, // no statistics from the server: computed from the rows
      { name: "kind", dtype: "string", stats: { count: n * 10, missing: 0, unique: 2, top: "a" } },
    ],
    preview: { columns: ["id", "score", "kind"], rows },
  };
}

describe("a DataFrame output", () => {
  it("draws only the rows in view of a long table, with typed column headers", () => {
    render(<DataFrameView title="output Dataset of Split Data" meta={frame(5000)} />);
    const table = screen.getByRole("table", { name: "Rows of the output Dataset of Split Data" });
    expect(table).toHaveAttribute("aria-rowcount", "5001");
    expect(within(table).getByRole("columnheader", { name: /score float/ })).toBeInTheDocument();
    const rows = within(table).getAllByRole("row");
    expect(rows.length).toBeGreaterThan(5);
    expect(rows.length).toBeLessThan(100); // 5,000 rows, a window of them in the document
    expect(within(rows[1]).getAllByRole("cell").map((c) => c.textContent)).toEqual(["1", "0", "", "a"]);
  });

  it("lists each column's type and statistics, computing those the server left out", () => {
    render(<DataFrameView title="output Dataset of X" meta={frame(4)} />);
    expect(screen.getByText(/40 rows × 3 columns/)).toBeInTheDocument();
    const stats = screen.getByRole("table", { name: /Column types and statistics of the output Dataset of X/ });
    const score = within(stats).getByRole("row", { name: /^score/ });
    const cells = within(score).getAllByRole("cell").map((c) => c.textContent);
    // type, count, missing, mean: rows 1..3 have 0.5, 1, (null at 3) -> values 0.5, 1
    expect(cells.slice(0, 4)).toEqual(["float", "2", "2", "0.75"]);
  });

  it("computes statistics of numbers, text and booleans", () => {
    expect(statsFromValues([3, 1, null, 2], "int")).toMatchObject({ count: 3, missing: 1, min: 1, max: 3, median: 2, mean: 2, std: 1 });
    expect(statsFromValues(["x", "y", "x", null], "string")).toEqual({ count: 3, missing: 1, unique: 2, top: "x" });
    expect(statsFromValues([true, false, true], "bool")).toEqual({ count: 3, missing: 0, true: 2 });
  });
});
