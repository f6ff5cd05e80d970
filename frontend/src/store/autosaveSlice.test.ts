import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { AUTOSAVE_DELAY_MS } from "./autosaveSlice";
import { FakeServer, LOAD, SPLIT, openStore } from "./testing";

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

async function settle(ms = AUTOSAVE_DELAY_MS + 10) {
  await vi.advanceTimersByTimeAsync(ms);
}

describe("autosave", () => {
  it("saves once after a burst of edits, with the revision it started from", async () => {
    const { store, server } = openStore();
    const s = () => store.getState();
    s().addNode(LOAD, { x: 0, y: 0 });
    s().addNode(SPLIT, { x: 0, y: 100 });
    expect(s().saveStatus).toBe("unsaved");
    await settle();
    expect(server.saves).toHaveLength(1);
    expect(server.saves[0].revision).toBe(1);
    expect(server.saves[0].document.nodes).toHaveLength(2);
    expect(s().saveStatus).toBe("saved");
    expect(s().revision).toBe(2);
  });

  it("saves an edit made while a save is in flight right after it", async () => {
    const server = new FakeServer();
    const { store } = openStore(server);
    const s = () => store.getState();
    server.holdSaves = true;
    s().addNode(LOAD, { x: 0, y: 0 });
    await settle();
    expect(s().saveStatus).toBe("saving");
    s().addNode(SPLIT, { x: 0, y: 100 });
    server.holdSaves = false;
    server.release();
    await settle();
    await settle();
    expect(server.saves).toHaveLength(2);
    expect(server.saves[1].revision).toBe(2);
    expect(server.saves[1].document.nodes).toHaveLength(2);
    expect(s().saveStatus).toBe("saved");
    expect(s().hasUnsavedEdits()).toBe(false);
  });

  it("flush saves at once", async () => {
    const { store, server } = openStore();
    store.getState().addNode(LOAD, { x: 0, y: 0 });
    await expect(store.getState().flush()).resolves.toBe(true);
    expect(server.saves).toHaveLength(1);
  });

  it("stops on a stale revision, keeps the edits and can reload theirs", async () => {
    const { store, server } = openStore();
    const s = () => store.getState();
    server.revision = 5;
    server.document = { schema_version: 1, name: "P", nodes: [{ id: "theirs", module: "load" }], edges: [] };
    s().addNode(LOAD, { x: 0, y: 0 });
    await settle();
    expect(s().saveStatus).toBe("conflict");
    expect(s().saveMessage).toMatch(/someone else/);
    expect(s().nodes).toHaveLength(1);
    expect(s().nodes[0].id).not.toBe("theirs");
    s().addNode(SPLIT, { x: 0, y: 0 });
    await settle();
    expect(server.saves).toHaveLength(1); // no save over theirs without asking
    await s().reloadTheirs();
    expect(s().nodes.map((n) => n.id)).toEqual(["theirs"]);
    expect(s().revision).toBe(5);
    expect(s().saveStatus).toBe("saved");
  });

  it("on a stale revision can overwrite with mine", async () => {
    const { store, server } = openStore();
    const s = () => store.getState();
    server.revision = 5;
    s().addNode(LOAD, { x: 0, y: 0 });
    await settle();
    expect(s().saveStatus).toBe("conflict");
    await s().overwriteMine();
    expect(s().saveStatus).toBe("saved");
    expect(server.saves.at(-1)!.revision).toBe(5);
    expect((server.document as { nodes: unknown[] }).nodes).toHaveLength(1);
  });

  it("reports a failed save and keeps the edits unsaved", async () => {
    const server = new FakeServer();
    server.saveDraft = async () => {
      throw new Error("network down");
    };
    const { store } = openStore(server);
    store.getState().addNode(LOAD, { x: 0, y: 0 });
    await settle();
    expect(store.getState().saveStatus).toBe("error");
    expect(store.getState().saveMessage).toMatch(/network down/);
    expect(store.getState().hasUnsavedEdits()).toBe(true);
  });
});
