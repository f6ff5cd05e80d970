import { describe, expect, it } from "vitest";
import { NODE_ID_PATTERN } from "./ids";
import { LOAD, SPLIT, openStore } from "./testing";

describe("graph slice", () => {
  it("gives added nodes valid, distinct ids and selects the newest", () => {
    const { store } = openStore();
    const a = store.getState().addNode(SPLIT, { x: 0, y: 0 });
    const b = store.getState().addNode(SPLIT, { x: 0, y: 0 });
    expect(a).not.toBe(b);
    expect(a).toMatch(NODE_ID_PATTERN);
    expect(store.getState().nodes.filter((n) => n.selected).map((n) => n.id)).toEqual([b]);
  });

  it("deletes the selection with the edges touching it, and nothing when nothing is selected", () => {
    const { store } = openStore();
    const s = () => store.getState();
    const a = s().addNode(LOAD, { x: 0, y: 0 });
    const b = s().addNode(SPLIT, { x: 0, y: 100 });
    s().connect({ source: a, sourcePort: "dataset", target: b, targetPort: "dataset" });
    s().selectOnly([]);
    const entries = s().past.length;
    s().deleteSelection();
    expect(s().past.length).toBe(entries);
    s().selectOnly([b]);
    s().deleteSelection();
    expect(s().nodes.map((n) => n.id)).toEqual([a]);
    expect(s().edges).toEqual([]);
  });

  it("keeps xyflow's removals out: deletion goes through deleteSelection with history", () => {
    const { store } = openStore();
    const a = store.getState().addNode(LOAD, { x: 0, y: 0 });
    store.getState().onNodesChange([{ id: a, type: "remove" }]);
    expect(store.getState().nodes).toHaveLength(1);
  });

  it("sizes loaded nodes from their modules until xyflow measures them", () => {
    const { store, server } = openStore();
    server.document = {
      nodes: [{ id: "s", module: "split", position: { x: 0, y: 0 } }, { id: "x", module: "unknown" }],
      edges: [],
    };
    store.getState().openDraft(server.draft());
    const [split, unknown] = store.getState().nodes;
    expect(split.measured?.width).toBeGreaterThan(0);
    expect(split.handles?.map((h) => `${h.type}:${h.id}`)).toEqual(["target:dataset", "source:train", "source:test"]);
    expect(unknown.handles).toBeUndefined();
    store.getState().onNodesChange([{ id: "s", type: "dimensions", dimensions: { width: 200, height: 70 } }]);
    expect(store.getState().nodes[0].handles).toBeUndefined();
    expect(store.getState().toDocument().nodes[0]).toEqual({ id: "s", module: "split", position: { x: 0, y: 0 } });
  });
});
