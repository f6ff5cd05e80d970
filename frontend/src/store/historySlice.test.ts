import { describe, expect, it } from "vitest";
import { openStore, LOAD, SPLIT } from "./testing";

function setup() {
  const { store } = openStore();
  const s = () => store.getState();
  return { store, s };
}

describe("history", () => {
  it("undoes and redoes adding a node", () => {
    const { s } = setup();
    s().addNode(LOAD, { x: 0, y: 0 });
    expect(s().nodes).toHaveLength(1);
    s().undo();
    expect(s().nodes).toHaveLength(0);
    s().redo();
    expect(s().nodes).toHaveLength(1);
  });

  it("records one entry for a whole drag and one per keyboard move", () => {
    const { s } = setup();
    const id = s().addNode(LOAD, { x: 0, y: 0 });
    const before = s().past.length;
    for (const x of [5, 10, 15]) s().onNodesChange([{ id, type: "position", position: { x, y: 0 }, dragging: true }]);
    s().onNodesChange([{ id, type: "position", position: { x: 20, y: 0 }, dragging: false }]);
    expect(s().past.length).toBe(before + 1);
    s().onNodesChange([{ id, type: "position", position: { x: 25, y: 0 }, dragging: false }]);
    expect(s().past.length).toBe(before + 2);
    s().undo();
    expect(s().nodes[0].position).toEqual({ x: 20, y: 0 });
    s().undo();
    expect(s().nodes[0].position).toEqual({ x: 0, y: 0 });
  });

  it("does not record selection or measurement changes", () => {
    const { s } = setup();
    const id = s().addNode(LOAD, { x: 0, y: 0 });
    const before = s().past.length;
    s().onNodesChange([{ id, type: "select", selected: false }]);
    s().onNodesChange([{ id, type: "dimensions", dimensions: { width: 100, height: 50 } }]);
    expect(s().past.length).toBe(before);
  });

  it("undoes delete, connect, parameter, label, comment, layout and pipeline-parameter edits one by one", () => {
    const { s } = setup();
    const a = s().addNode(LOAD, { x: 0, y: 0 });
    const b = s().addNode(SPLIT, { x: 0, y: 100 });
    s().connect({ source: a, sourcePort: "dataset", target: b, targetPort: "dataset" });
    s().updateNode(b, { params: { fraction: 0.5 } });
    s().updateNode(b, { label: "Split 50/50" });
    s().updateNode(b, { comment: "half" });
    s().setPositions({ [a]: { x: 300, y: 300 } });
    s().setParameters([{ name: "seed", kind: "int", default: 1 }]);
    s().selectOnly([a]);
    s().deleteSelection();
    expect(s().nodes.map((n) => n.id)).toEqual([b]);
    expect(s().edges).toHaveLength(0);

    s().undo();
    expect(s().nodes).toHaveLength(2);
    expect(s().edges).toHaveLength(1);
    s().undo();
    expect(s().meta.parameters).toEqual([]);
    s().undo();
    expect(s().nodes.find((n) => n.id === a)!.position).toEqual({ x: 0, y: 0 });
    s().undo();
    expect(s().nodes.find((n) => n.id === b)!.data.doc.comment).toBeUndefined();
    s().undo();
    expect(s().nodes.find((n) => n.id === b)!.data.doc.label).toBeUndefined();
    s().undo();
    expect(s().nodes.find((n) => n.id === b)!.data.doc.params).toEqual({});
    s().undo();
    expect(s().edges).toHaveLength(0);
  });

  it("undoes a pipeline parameter rename together with the bindings it rewrote", () => {
    const { s } = setup();
    const a = s().addNode(SPLIT, { x: 0, y: 0 });
    s().setParameters([{ name: "frac", kind: "float" }]);
    s().updateNode(a, { params: { fraction: { $param: "frac" } } });
    s().setParameters([{ name: "share", kind: "float" }]);
    s().rebindParameter("frac", "share");
    expect(s().nodes[0].data.doc.params).toEqual({ fraction: { $param: "share" } });
    s().undo();
    expect(s().meta.parameters[0].name).toBe("frac");
    expect(s().nodes[0].data.doc.params).toEqual({ fraction: { $param: "frac" } });
  });

  it("forgets the redo branch after a new edit", () => {
    const { s } = setup();
    s().addNode(LOAD, { x: 0, y: 0 });
    s().undo();
    expect(s().future).toHaveLength(1);
    s().addNode(SPLIT, { x: 0, y: 0 });
    expect(s().future).toHaveLength(0);
  });

  it("marks the document changed on undo so autosave saves it", () => {
    const { s } = setup();
    s().addNode(LOAD, { x: 0, y: 0 });
    const version = s().docVersion;
    s().undo();
    expect(s().docVersion).toBe(version + 1);
    expect(s().saveStatus).toBe("unsaved");
  });
});

describe("history and measurements", () => {
  it("keeps the canvas's current measurements when it restores older nodes", () => {
    const { s } = setup();
    const id = s().addNode(LOAD, { x: 0, y: 0 });
    s().updateNode(id, { label: "x" });
    s().onNodesChange([{ id, type: "dimensions", dimensions: { width: 210, height: 77 } }]);
    s().undo();
    expect(s().nodes[0].data.doc.label).toBeUndefined();
    expect(s().nodes[0].measured).toEqual({ width: 210, height: 77 });
  });
});
