import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { AUTOSAVE_DELAY_MS } from "./autosaveSlice";
import { readUnsaved } from "./rescue";
import { FakeServer, LOAD, SPLIT, openStore } from "./testing";

beforeEach(() => {
  localStorage.clear();
  vi.useFakeTimers();
});
afterEach(() => vi.useRealTimers());

describe("unsaved edits kept on leaving", () => {
  it("keeps edits a conflict stopped, and offers them back when the draft opens again", async () => {
    const server = new FakeServer();
    const { store } = openStore(server);
    server.revision = 4; // someone else saved meanwhile
    store.getState().addNode(LOAD, { x: 0, y: 0 });
    await vi.advanceTimersByTimeAsync(AUTOSAVE_DELAY_MS + 10);
    expect(store.getState().saveStatus).toBe("conflict");
    store.getState().keepIfUnsaved(); // the user leaves the page
    expect(readUnsaved(7)?.document.nodes).toHaveLength(1);

    const again = openStore(server).store;
    expect(again.getState().rescued?.document.nodes).toHaveLength(1);
    again.getState().restoreRescued();
    expect(again.getState().nodes.map((n) => n.data.doc.module)).toEqual(["load"]);
    expect(again.getState().saveStatus).toBe("unsaved");
    await vi.advanceTimersByTimeAsync(AUTOSAVE_DELAY_MS + 10);
    expect(again.getState().saveStatus).toBe("saved");
    expect(readUnsaved(7)).toBeNull();
    again.getState().undo();
    expect(again.getState().nodes).toHaveLength(0);
  });

  it("keeps nothing when everything is saved, and can discard what was kept", async () => {
    const { store } = openStore();
    store.getState().addNode(SPLIT, { x: 0, y: 0 });
    await store.getState().flush();
    store.getState().keepIfUnsaved();
    expect(readUnsaved(7)).toBeNull();

    store.getState().addNode(LOAD, { x: 0, y: 0 });
    store.getState().keepIfUnsaved();
    const server = new FakeServer();
    const again = openStore(server).store;
    expect(again.getState().rescued).not.toBeNull();
    again.getState().discardRescued();
    expect(again.getState().rescued).toBeNull();
    expect(readUnsaved(7)).toBeNull();
  });
});
