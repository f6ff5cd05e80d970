import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ANALYSIS_DELAY_MS } from "./validationSlice";
import { AUTOSAVE_DELAY_MS } from "./autosaveSlice";
import { indexErrors } from "./errorIndex";
import { FakeServer, LOAD, openStore } from "./testing";

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe("validation", () => {
  it("indexes errors by node, port, edge and parameter", () => {
    const index = indexErrors([
      { code: "missing_input", message: "m", node: "b", port: "dataset" },
      { code: "type_mismatch", message: "t", node: "b", port: "dataset", edge: "a.x->b.dataset" },
      { code: "bad_parameter", message: "p", node: "b", param: "fraction" },
      { code: "bad_parameter", message: "q", param: "seed" },
      { code: "cycle", message: "c" },
    ]);
    expect(index.byNode.b).toHaveLength(3);
    expect(index.byPort["b:dataset"]).toHaveLength(2);
    expect(index.byEdge["a.x->b.dataset"]).toHaveLength(1);
    expect(index.byParam["b:fraction"]).toHaveLength(1);
    expect(index.byParam[":seed"]).toHaveLength(1);
    expect(index.general.map((e) => e.code)).toEqual(["cycle"]);
  });

  it("checks the draft after an edit is saved, debounced, with schemas", async () => {
    const server = new FakeServer();
    server.errors = [{ code: "missing_param", message: "name is required", node: "load_1", param: "name" }];
    server.schemasAnswer = { nodes: { load_1: { inputs: {}, outputs: { dataset: [{ name: "x", dtype: "int" }] } } }, errors: [] };
    const validate = vi.spyOn(server, "validate");
    const { store } = openStore(server);
    await vi.advanceTimersByTimeAsync(ANALYSIS_DELAY_MS + 10);
    const initial = validate.mock.calls.length;
    store.getState().addNode(LOAD, { x: 0, y: 0 });
    store.getState().updateNode("load_1", { label: "x" });
    await vi.advanceTimersByTimeAsync(AUTOSAVE_DELAY_MS + ANALYSIS_DELAY_MS + 20);
    expect(validate.mock.calls.length).toBe(initial + 1);
    expect(store.getState().errors.byNode.load_1[0].param).toBe("name");
    expect(store.getState().schemas.load_1.outputs.dataset).toEqual([{ name: "x", dtype: "int" }]);
  });

  it("keeps a node's error array when its errors did not change, so the node does not redraw", async () => {
    const server = new FakeServer();
    server.errors = [{ code: "x", message: "m", node: "n" }];
    const { store } = openStore(server);
    await store.getState().runAnalysis();
    const first = store.getState().errors.byNode.n;
    server.errors = [{ code: "x", message: "m", node: "n" }, { code: "y", message: "other", node: "o" }];
    await store.getState().runAnalysis();
    expect(store.getState().errors.byNode.n).toBe(first);
  });

  it("says so when the check itself fails", async () => {
    const server = new FakeServer();
    server.validate = async () => {
      throw new Error("server down");
    };
    const { store } = openStore(server);
    await store.getState().runAnalysis();
    expect(store.getState().validationMessage).toMatch(/server down/);
  });
});
