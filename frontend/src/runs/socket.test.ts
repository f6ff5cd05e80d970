import { afterEach, beforeEach, describe, expect, it, vi, type Mock } from "vitest";
import { createRunLive, runSocketUrl, type RunLive } from "./socket";
import { runView } from "./reducer";
import type { EventPage, RunEvent, RunSnapshot, StepBrief } from "./types";

/** A WebSocket the test drives: it records what the page does and delivers what the test sends. */
class MockSocket {
  static all: MockSocket[] = [];
  readyState = 0;
  closedWith: number | null = null;
  onmessage: ((e: MessageEvent) => void) | null = null;
  onclose: ((e: CloseEvent) => void) | null = null;
  onopen: (() => void) | null = null;
  onerror: (() => void) | null = null;

  constructor(readonly url: string) {
    MockSocket.all.push(this);
  }

  static last(): MockSocket {
    return MockSocket.all[MockSocket.all.length - 1];
  }

  send(frame: object) {
    this.readyState = 1;
    this.onmessage?.({ data: JSON.stringify(frame) } as MessageEvent);
  }

  /** The server or the network ends the connection. */
  drop(code = 1006) {
    this.readyState = 3;
    this.onclose?.({ code } as CloseEvent);
  }

  close(code = 1000) {
    this.closedWith = code;
    this.drop(code);
  }
}

const AT = "2026-01-01T00:00:00Z";
const events: RunEvent[] = [
  { type: "run.status", seq: 1, run: 7, at: AT, status: "running" },
  { type: "step.status", seq: 2, run: 7, at: AT, node: "a", status: "running" },
  { type: "step.log", seq: 3, run: 7, at: AT, node: "a", text: "one\n" },
  { type: "step.progress", seq: 4, run: 7, at: AT, node: "a", fraction: 0.5 },
  { type: "step.log", seq: 5, run: 7, at: AT, node: "a", text: "two\n" },
  { type: "step.status", seq: 6, run: 7, at: AT, node: "a", status: "succeeded", duration: 2 },
  { type: "run.status", seq: 7, run: 7, at: AT, status: "succeeded" },
];

function snap(seq: number, status: RunSnapshot["status"], step: StepBrief["status"], duration?: number): RunSnapshot {
  return {
    id: 7, workspace: "w", version: 1, status, params: {}, force: false, error: "", created_at: AT,
    started_at: null, finished_at: null, seq,
    steps: [{ node: "a", module: "m", status: step, outputs: {}, ...(duration ? { duration } : {}) }],
  };
}

/** The events endpoint: a page of events after `after`, two at a time. */
function eventsAfter(after: number): Promise<EventPage> {
  const rest = events.filter((e) => e.seq > after);
  return Promise.resolve({ results: rest.slice(0, 2), next: rest.length > 2 ? "more" : null });
}

let live: RunLive;
let fetchEvents: Mock<(after: number) => Promise<EventPage>>;
let fetchSnapshot: Mock<() => Promise<RunSnapshot>>;

beforeEach(() => {
  vi.useFakeTimers();
  MockSocket.all = [];
  fetchEvents = vi.fn(eventsAfter);
  fetchSnapshot = vi.fn(() => Promise.resolve(snap(7, "succeeded", "succeeded", 2)));
  live = createRunLive({
    runId: 7, url: "ws://test/ws/runs/7/", WebSocketImpl: MockSocket as unknown as { new (url: string): WebSocket },
    fetchEventsAfter: fetchEvents, fetchSnapshot, backoff: (n) => 100 * n, gapWaitMs: 50,
  });
  live.start();
});

afterEach(() => {
  live.stop();
  vi.useRealTimers();
});

const state = () => live.store.getState();

describe("the live run socket", () => {
  it("builds the socket address from the page's", () => {
    expect(runSocketUrl(3, { protocol: "https:", host: "gw.example:8443" } as Location)).toBe("wss://gw.example:8443/ws/runs/3/");
    expect(runSocketUrl(3, { protocol: "http:", host: "localhost" } as Location)).toBe("ws://localhost/ws/runs/3/");
  });

  it("applies the snapshot and the event frames, then closes once the run has ended", async () => {
    const ws = MockSocket.last();
    ws.send({ type: "snapshot", seq: 0, run: snap(0, "queued", "waiting") });
    expect(state().connection).toBe("live");
    ws.send({ type: "events", seq: 7, events });
    await vi.runAllTimersAsync();
    expect(state().connection).toBe("finished");
    expect(ws.closedWith).toBe(1000);
    expect(state().run.nodes.a.status).toBe("succeeded");
    expect(MockSocket.all).toHaveLength(1); // no reconnect after its own close
    expect(fetchSnapshot).toHaveBeenCalledTimes(1); // the final snapshot, for what events leave out
  });

  it("reconnects after a drop with backoff, resumes from a fresh snapshot and ends where the server is", async () => {
    const first = MockSocket.last();
    first.send({ type: "snapshot", seq: 0, run: snap(0, "queued", "waiting") });
    first.send({ type: "events", seq: 3, events: events.slice(0, 3) });
    first.drop();
    expect(state().connection).toBe("reconnecting");
    expect(MockSocket.all).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(99);
    expect(MockSocket.all).toHaveLength(1); // waits out the backoff
    await vi.advanceTimersByTimeAsync(1);
    expect(MockSocket.all).toHaveLength(2);
    const second = MockSocket.last();
    // the fresh snapshot is at seq 5; the server then sends what follows (one frame repeats 5)
    second.send({ type: "snapshot", seq: 5, run: snap(5, "running", "running") });
    expect(state().connection).toBe("live");
    second.send({ type: "events", seq: 7, events: events.slice(4) });
    await vi.runAllTimersAsync();
    // 4 and 5 (progress, log) were skipped by the snapshot: read over HTTP after seq 3
    expect(fetchEvents).toHaveBeenCalledWith(3);
    const inOrder = createRunLive({ runId: 7, fetchEventsAfter: eventsAfter, fetchSnapshot });
    inOrder.dispatch({ type: "snapshot", snapshot: snap(0, "queued", "waiting") });
    inOrder.dispatch({ type: "events", events });
    expect(runView(state().run)).toEqual(runView(inOrder.store.getState().run));
    expect(state().run.nodes.a.log.map((c) => c.text).join("")).toBe("one\ntwo\n");
    expect(state().connection).toBe("finished");
  });

  it("backs off longer after each failed attempt", async () => {
    MockSocket.last().drop();
    await vi.advanceTimersByTimeAsync(100);
    MockSocket.last().drop(); // refused before any snapshot
    await vi.advanceTimersByTimeAsync(199);
    expect(MockSocket.all).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(MockSocket.all).toHaveLength(3);
  });

  it("stops on a refusal and says why", async () => {
    MockSocket.last().drop(4404);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(state().connection).toBe("refused");
    expect(state().problem).toMatch(/does not exist/);
    expect(MockSocket.all).toHaveLength(1);
  });

  it("reads a gap over HTTP when the events before an early one do not come", async () => {
    const ws = MockSocket.last();
    ws.send({ type: "snapshot", seq: 0, run: snap(0, "queued", "waiting") });
    ws.send({ type: "events", seq: 5, events: events.slice(4, 5) });
    expect(state().run.pending.map((e) => e.seq)).toEqual([5]);
    await vi.advanceTimersByTimeAsync(50);
    expect(fetchEvents).toHaveBeenCalledWith(0);
    await vi.advanceTimersByTimeAsync(50);
    expect(state().run.applied).toBeGreaterThanOrEqual(5);
  });

  it("reads the run a reused step came from, which its event does not name", async () => {
    const withSource = snap(2, "running", "cached");
    withSource.steps[0].reused_from_run = 3;
    fetchSnapshot.mockResolvedValue(withSource);
    const ws = MockSocket.last();
    ws.send({ type: "snapshot", seq: 0, run: snap(0, "queued", "waiting") });
    ws.send({ type: "events", seq: 2, events: [events[0], { type: "step.status", seq: 2, run: 7, at: AT, node: "a", status: "cached", reused_from: 70 }] });
    expect(state().run.nodes.a).toMatchObject({ status: "cached", reusedFromRun: null });
    await vi.advanceTimersByTimeAsync(300);
    expect(fetchSnapshot).toHaveBeenCalledTimes(1);
    expect(state().run.nodes.a.reusedFromRun).toBe(3);
    expect(state().run.applied).toBe(2); // nothing else of that snapshot was taken
  });

  it("does not reconnect once stopped", async () => {
    live.stop();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(MockSocket.all).toHaveLength(1);
  });
});
