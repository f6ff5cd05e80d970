import { callsTo, json, serve } from "../properties/testing/mockFetch"; // first: before the API client exists
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { act, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { DataFrameView } from "./DataFrameView";
import { statsFromValues } from "./frameStats";
import { MAX_SCROLL_HEIGHT, scrollRatio } from "./VirtualTable";
import type { Call } from "../properties/testing/mockFetch";
import type { DataFrameMeta } from "../runs/types";

// jsdom lays nothing out: give the scrolling table a height so the virtualiser has a window
const HEIGHT = 320;
const ROW_HEIGHT = 28;
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

const ROWS_PATH = "/api/v1/runs/7/steps/split/outputs/train/rows/";
const source = { runId: 7, nodeId: "split", port: "train" };

function valuesOf(i: number): unknown[] {
  return [i, i % 3 === 0 ? null : i / 2, ["a", "b"][i % 2]];
}

function frame(total: number, previewRows = 50): DataFrameMeta {
  const rows = Array.from({ length: Math.min(previewRows, total) }, (_, i) => valuesOf(i));
  return {
    rows: total,
    columns: [
      { name: "id", dtype: "int", stats: { count: total, missing: 0, mean: 4.5, min: 0, max: 9, median: 4.5, std: 3 } },
      { name: "score", dtype: "float" }, // no statistics from the server: computed from the rows
      { name: "kind", dtype: "string", stats: { count: total, missing: 0, unique: 2, top: "a" } },
    ],
    preview: { columns: ["id", "score", "kind"], rows },
  };
}

/** The rows endpoint over a frame of `total` rows whose row i is valuesOf(i); `hold` delays answers. */
function rowsRoute(total: number, hold?: Promise<void>) {
  return (call: Call) => (call.url.pathname === ROWS_PATH ? answer(call) : undefined);
  async function answer(call: Call): Promise<Response> {
    await hold;
    const offset = Number(call.url.searchParams.get("offset"));
    const limit = Number(call.url.searchParams.get("limit"));
    const rows = [];
    for (let i = offset; i < Math.min(total, offset + limit); i++) rows.push(valuesOf(i));
    return json({
      offset,
      limit,
      total_rows: total,
      columns: [
        { name: "id", dtype: "int" },
        { name: "score", dtype: "float" },
        { name: "kind", dtype: "string" },
      ],
      rows,
    });
  }
}

function show(meta: DataFrameMeta, title = "output Dataset of Split Data") {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(
    <QueryClientProvider client={client}>
      <DataFrameView title={title} meta={meta} source={source} />
    </QueryClientProvider>,
  );
}

function offsetsAsked(): number[] {
  return callsTo("GET", ROWS_PATH).map((c) => Number(c.url.searchParams.get("offset")));
}

/** Scroll so that `row` is at the top: a million rows scroll a shorter area than they are tall. */
function scrollTo(table: HTMLElement, row: number, total = 1_000_000) {
  Object.defineProperty(table, "scrollTop", { configurable: true, value: (row * ROW_HEIGHT) / scrollRatio(total, HEIGHT) });
  act(() => {
    fireEvent.scroll(table);
  });
}

function cells(row: HTMLElement): (string | null)[] {
  return within(row).getAllByRole("cell").map((c) => c.textContent);
}

describe("a DataFrame output", () => {
  it("covers every row of a long frame, draws only those in view and says which they are", async () => {
    serve(rowsRoute(1_000_000));
    show(frame(1_000_000));
    const table = screen.getByRole("table", { name: "Rows of the output Dataset of Split Data" });
    expect(table).toHaveAttribute("aria-rowcount", "1000001");
    expect(screen.getByText(/^Rows 1–\d+ of 1,000,000$/)).toBeInTheDocument();
    expect(table).toHaveAccessibleDescription(/^Rows 1–\d+ of 1,000,000$/);
    expect(within(table).getByRole("columnheader", { name: /score float/ })).toBeInTheDocument();
    const rows = within(table).getAllByRole("row");
    expect(rows.length).toBeGreaterThan(5);
    expect(rows.length).toBeLessThan(100); // a million rows, a window of them in the document
    expect(cells(rows[1])).toEqual(["1", "0", "", "a"]); // from the preview before any page arrives
    await waitFor(() => expect(offsetsAsked()).toEqual([0]));
    expect(callsTo("GET", ROWS_PATH)[0].url.searchParams.get("limit")).toBe("200");
    // 28 million pixels of rows would pass what a browser can draw: the scrolled area is capped
    const body = within(table).getAllByRole("rowgroup")[1];
    expect(parseFloat(body.style.height)).toBeLessThanOrEqual(MAX_SCROLL_HEIGHT);
  });

  it("asks for the pages that scroll into view, with loading rows until they arrive", async () => {
    let release = () => {};
    const hold = new Promise<void>((resolve) => (release = resolve));
    serve(rowsRoute(1_000_000, hold));
    show(frame(1_000_000));
    const table = screen.getByRole("table", { name: /Rows of the/ });
    await waitFor(() => expect(offsetsAsked()).toEqual([0]));
    scrollTo(table, 500_000);
    // rows 499,990.. (overscan) to 500,021 are drawn: the pages at 499,800 and 500,000
    await waitFor(() => expect(offsetsAsked().sort((a, b) => a - b)).toEqual([0, 499_800, 500_000]));
    expect(screen.getByText(/^Rows 500,001–500,0\d\d of 1,000,000$/)).toBeInTheDocument();
    const row = within(table).getAllByRole("row").find((r) => r.getAttribute("aria-rowindex") === String(500_000 + 2))!;
    expect(row).toHaveAttribute("aria-busy", "true");
    // drawn where the scrolled area is, not 14 million pixels down
    const top = Number(/translateY\((-?[\d.]+)px\)/.exec(row.style.transform)![1]);
    expect(Math.abs(top - table.scrollTop)).toBeLessThan(ROW_HEIGHT);
    expect(cells(row)).toEqual(["500,001", "loading…", "", ""]);
    await act(async () => release());
    await waitFor(() => expect(cells(row)).toEqual(["500,001", "500000", "250000", "a"]));
    expect(row).not.toHaveAttribute("aria-busy");
    scrollTo(table, 500_100); // still inside the page at 500,000: nothing new is asked
    expect(offsetsAsked()).toHaveLength(3);
    scrollTo(table, 999_990); // the end
    await waitFor(() => expect(offsetsAsked()).toContain(999_800));
    await waitFor(() => {
      const lastRow = within(table).getAllByRole("row").at(-1)!;
      expect(lastRow).toHaveAttribute("aria-rowindex", String(1_000_000 + 1));
      expect(cells(lastRow)).toEqual(["1,000,000", "999999", "", "b"]);
    });
    expect(screen.getByText(/^Rows 999,9\d\d–1,000,000 of 1,000,000$/)).toBeInTheDocument();
  });

  it("says which rows could not be read", async () => {
    serve((call) =>
      call.url.pathname === ROWS_PATH
        ? json({ errors: [{ code: "not_found", message: "gone" }], detail: "the output is no longer stored" }, 404)
        : undefined,
    );
    show(frame(1000, 0));
    expect(await screen.findByRole("alert")).toHaveTextContent("Could not read rows 1–200: the output is no longer stored");
    const row = within(screen.getByRole("table", { name: /Rows of the/ })).getAllByRole("row")[1];
    expect(cells(row)).toEqual(["1", "not read", "", ""]);
  });

  it("lists each column's type and statistics, computing those the server left out", () => {
    serve(rowsRoute(40));
    show(frame(40, 4), "output Dataset of X");
    expect(screen.getByText(/40 rows × 3 columns/)).toBeInTheDocument();
    const stats = screen.getByRole("table", { name: /Column types and statistics of the output Dataset of X/ });
    const score = within(stats).getByRole("row", { name: /^score/ });
    const values = within(score).getAllByRole("cell").map((c) => c.textContent);
    // type, count, missing, mean: rows 1..3 have 0.5, 1, (null at 3) -> values 0.5, 1
    expect(values.slice(0, 4)).toEqual(["float", "2", "2", "0.75"]);
  });

  it("computes statistics of numbers, text and booleans", () => {
    expect(statsFromValues([3, 1, null, 2], "int")).toMatchObject({ count: 3, missing: 1, min: 1, max: 3, median: 2, mean: 2, std: 1 });
    expect(statsFromValues(["x", "y", "x", null], "string")).toEqual({ count: 3, missing: 1, unique: 2, top: "x" });
    expect(statsFromValues([true, false, true], "bool")).toEqual({ count: 3, missing: 0, true: 2 });
  });
});
