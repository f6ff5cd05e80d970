import { beforeEach, describe, expect, it } from "vitest";
import { NODE_ID_PATTERN } from "./ids";
import { CLIPBOARD_KEY } from "./clipboard";
import { LOAD, SPLIT, openStore } from "./testing";

beforeEach(() => localStorage.clear());

function graphOfThree() {
  const { store } = openStore();
  const s = () => store.getState();
  const a = s().addNode(LOAD, { x: 0, y: 0 });
  const b = s().addNode(SPLIT, { x: 0, y: 100 });
  const c = s().addNode(SPLIT, { x: 0, y: 200 });
  s().connect({ source: a, sourcePort: "dataset", target: b, targetPort: "dataset" });
  s().connect({ source: b, sourcePort: "train", target: c, targetPort: "dataset" });
  return { store, s, a, b, c };
}

describe("clipboard", () => {
  it("copies the selected nodes with the edges between them only", () => {
    const { s, a, b } = graphOfThree();
    s().selectOnly([a, b]);
    expect(s().copySelection()).toBe(true);
    const stored = JSON.parse(localStorage.getItem(CLIPBOARD_KEY)!);
    expect(stored.nodes.map((n: { id: string }) => n.id)).toEqual([a, b]);
    expect(stored.edges).toHaveLength(1);
  });

  it("pastes nodes under fresh valid ids, offset, with their inner edges, as one undoable edit", () => {
    const { s, a, b } = graphOfThree();
    s().selectOnly([a, b]);
    s().copySelection();
    const before = s().nodes.map((n) => n.id);
    expect(s().paste()).toBe(2);
    const pasted = s().nodes.filter((n) => !before.includes(n.id));
    expect(pasted).toHaveLength(2);
    for (const n of pasted) {
      expect(n.id).toMatch(NODE_ID_PATTERN);
      expect(n.data.doc.id).toBe(n.id);
      expect(n.selected).toBe(true);
    }
    const original = s().nodes.find((n) => n.id === a)!;
    const copy = pasted.find((n) => n.data.doc.module === LOAD.key)!;
    expect(copy.position.x).toBeGreaterThan(original.position.x);
    const inner = s().edges.filter((e) => pasted.some((n) => n.id === e.source));
    expect(inner).toHaveLength(1);
    expect(pasted.map((n) => n.id)).toContain(inner[0].target);
    s().undo();
    expect(s().nodes.map((n) => n.id)).toEqual(before);
  });

  it("pastes a copy made in another draft", () => {
    const first = graphOfThree();
    first.s().selectOnly([first.b]);
    first.s().copySelection();
    const { store } = openStore();
    expect(store.getState().paste()).toBe(1);
    expect(store.getState().nodes[0].data.doc.module).toBe(SPLIT.key);
  });

  it("steps each further paste so copies do not stack", () => {
    const { s, a } = graphOfThree();
    s().selectOnly([a]);
    s().copySelection();
    s().paste();
    const one = s().nodes.at(-1)!.position;
    s().paste();
    const two = s().nodes.at(-1)!.position;
    expect(two.x).toBeGreaterThan(one.x);
  });

  it("does nothing when the clipboard is empty or not ours", () => {
    const { s } = graphOfThree();
    localStorage.setItem(CLIPBOARD_KEY, "not json");
    expect(s().paste()).toBe(0);
  });
});
