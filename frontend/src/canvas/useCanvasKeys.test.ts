import { beforeEach, describe, expect, it } from "vitest";
import { LOAD, SPLIT, openStore } from "../store/testing";
import { useEditing } from "./editing";
import { handleCanvasKey } from "./useCanvasKeys";

const key = (k: string, mods: Partial<KeyboardEventInit> = {}) => new KeyboardEvent("keydown", { key: k, ...mods });

beforeEach(() => localStorage.clear());

describe("canvas shortcuts", () => {
  it("delete, undo (Ctrl+Z), redo (Ctrl+Shift+Z and Ctrl+Y)", () => {
    const { store } = openStore();
    store.getState().addNode(LOAD, { x: 0, y: 0 });
    expect(handleCanvasKey(key("Delete"), store)).toBe(true);
    expect(store.getState().nodes).toHaveLength(0);
    handleCanvasKey(key("z", { ctrlKey: true }), store);
    expect(store.getState().nodes).toHaveLength(1);
    handleCanvasKey(key("Z", { ctrlKey: true, shiftKey: true }), store);
    expect(store.getState().nodes).toHaveLength(0);
    handleCanvasKey(key("z", { metaKey: true }), store);
    handleCanvasKey(key("y", { ctrlKey: true }), store);
    expect(store.getState().nodes).toHaveLength(0);
  });

  it("select all, copy and paste", () => {
    const { store } = openStore();
    store.getState().addNode(LOAD, { x: 0, y: 0 });
    store.getState().addNode(SPLIT, { x: 0, y: 100 });
    handleCanvasKey(key("a", { ctrlKey: true }), store);
    expect(store.getState().nodes.every((n) => n.selected)).toBe(true);
    expect(handleCanvasKey(key("c", { ctrlKey: true }), store)).toBe(true);
    expect(handleCanvasKey(key("v", { ctrlKey: true }), store)).toBe(true);
    expect(store.getState().nodes).toHaveLength(4);
  });

  it("F2 edits the selected node's label, Shift+F2 its comment", () => {
    const { store } = openStore();
    const id = store.getState().addNode(LOAD, { x: 0, y: 0 });
    handleCanvasKey(key("F2"), store);
    expect(useEditing.getState().target).toEqual({ nodeId: id, field: "label" });
    handleCanvasKey(key("F2", { shiftKey: true }), store);
    expect(useEditing.getState().target).toEqual({ nodeId: id, field: "comment" });
    useEditing.getState().stop();
  });

  it("leaves other keys alone", () => {
    const { store } = openStore();
    expect(handleCanvasKey(key("q"), store)).toBe(false);
    expect(handleCanvasKey(key("c", { ctrlKey: true }), store)).toBe(false); // nothing selected: the browser copies
  });
});
