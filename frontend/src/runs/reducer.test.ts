import { describe, expect, it } from "vitest";
import { LOG_TAIL_CHARS, initialRunState, isSettled, logText, runReducer, runView, type RunState } from "./reducer";
import type { RunEvent, RunSnapshot, StepBrief } from "./types";

const T0 = Date.parse("2026-01-01T00:00:00Z");
function ev<E extends Partial<RunEvent> & { type: RunEvent["type"] }>(seq: number, e: E): RunEvent {
  return { run: 1, seq, at: new Date(T0 + seq * 1000).toISOString(), ts: T0 + seq * 1000, ...e } as unknown as RunEvent;
}

// a run of three steps: a succeeds with progress, log and a metric; b is reused; c fails
const EVENTS: RunEvent[] = [
  ev(1, { type: "run.status", status: "running" }),
  ev(2, { type: "step.status", node: "a", status: "running", attempt: 1 }),
  ev(3, { type: "step.progress", node: "a", fraction: 0.5, message: "half" }),
  ev(4, { type: "step.log", node: "a", text: "reading\n" }),
  ev(5, { type: "step.metric", node: "a", name: "loss", value: 0.3 }),
  ev(6, { type: "step.status", node: "a", status: "succeeded", duration: 1.5, outputs: { data: { digest: "d1", kind: "DataFrame" } } }),
  ev(7, { type: "step.status", node: "b", status: "cached", duration: 0, reused_from: 77, reused_from_run: 4 }),
  ev(8, { type: "step.status", node: "c", status: "running", attempt: 1 }),
  ev(9, { type: "step.log", node: "c", text: "Traceback...\n" }),
  ev(10, { type: "step.progress", node: "c", fraction: 0.25 }),
  ev(11, { type: "step.metric", node: "a", name: "loss", value: 0.2 }),
  ev(12, { type: "step.status", node: "c", status: "failed", reason: "error", error: "boom", duration: 0.4 }),
  ev(13, { type: "run.status", status: "failed", error: "step c failed" }),
];

function brief(node: string, status: StepBrief["status"], extra: Partial<StepBrief> = {}): StepBrief {
  return { node, module: "m", status, outputs: {}, ...extra };
}

function snapshot(seq: number, status: RunSnapshot["status"], steps: StepBrief[], error = ""): RunSnapshot {
  return {
    id: 1, workspace: "w", version: 3, status, params: {}, force: false, error,
    created_at: new Date(T0).toISOString(), started_at: null, finished_at: null, seq, steps,
  };
}

const AT_0 = snapshot(0, "queued", [brief("a", "waiting"), brief("b", "waiting"), brief("c", "waiting")]);
// what the server answers at seq 7 and at seq 9 (statuses only: no logs, progress or metrics)
const AT_7 = snapshot(7, "running", [
  brief("a", "succeeded", { duration: 1.5, outputs: { data: { digest: "d1", kind: "DataFrame" } } }),
  brief("b", "cached", { duration: 0, reused_from_run: 4 }),
  brief("c", "waiting"),
]);
const AT_9 = snapshot(9, "running", [AT_7.steps[0], AT_7.steps[1], brief("c", "running")]);

function apply(state: RunState, ...actions: Parameters<typeof runReducer>[1][]): RunState {
  return actions.reduce(runReducer, state);
}

function inOrder(): RunState {
  return apply(initialRunState(1), { type: "snapshot", snapshot: AT_0 }, { type: "events", events: EVENTS });
}

/** A seeded shuffle, so a failure reproduces. */
function shuffled<T>(items: T[], seed: number): T[] {
  const out = [...items];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2147483648;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

describe("the run reducer", () => {
  it("applies a snapshot then events in order", () => {
    const state = inOrder();
    const view = runView(state);
    expect(view.status).toBe("failed");
    expect(view.applied).toBe(13);
    expect(state.nodes.a).toMatchObject({ status: "succeeded", duration: 1.5, progress: 0.5 });
    expect(state.nodes.a.metrics.loss.value).toBe(0.2);
    expect(logText(state.nodes.a)).toBe("reading\n");
    expect(state.nodes.b).toMatchObject({ status: "cached", reusedFromRun: 4 });
    expect(state.nodes.c).toMatchObject({ status: "failed", error: "boom", startedAt: T0 + 8000 });
    expect(isSettled(state)).toBe(true);
  });

  it("drops duplicates and ends as in-order delivery", () => {
    const doubled = [...EVENTS.slice(0, 6), ...EVENTS.slice(2, 9), ...EVENTS.slice(4)];
    const state = apply(initialRunState(1), { type: "snapshot", snapshot: AT_0 },
      { type: "events", events: doubled }, { type: "events", events: EVENTS.slice(10) });
    expect(runView(state)).toEqual(runView(inOrder()));
  });

  it("holds an event that comes early until the gap before it is filled", () => {
    let state = apply(initialRunState(1), { type: "snapshot", snapshot: AT_0 },
      { type: "events", events: [EVENTS[2], EVENTS[1]] });
    expect(state.applied).toBe(0);
    expect(state.pending.map((e) => e.seq)).toEqual([2, 3]);
    expect(state.nodes.a.status).toBe("waiting");
    state = runReducer(state, { type: "events", events: [EVENTS[0]] });
    expect(state.applied).toBe(3);
    expect(state.pending).toEqual([]);
    expect(state.nodes.a).toMatchObject({ status: "running", progress: 0.5 });
  });

  it.each([1, 2, 3, 4, 5, 6, 7, 8])("ends as in-order delivery whatever the order of arrival (order %i)", (seed) => {
    const frames = shuffled([...EVENTS, ...EVENTS.slice(3, 8)], seed).map((e) => [e]);
    const state = frames.reduce((s, events) => runReducer(s, { type: "events", events }),
      runReducer(initialRunState(1), { type: "snapshot", snapshot: AT_0 }));
    expect(runView(state)).toEqual(runView(inOrder()));
  });

  it("takes a snapshot mid-run, then events after it, then backfills what it skipped", () => {
    let state = apply(initialRunState(1), { type: "snapshot", snapshot: AT_7 });
    expect(state.applied).toBe(7);
    expect(state.gaps).toEqual([{ after: 0, upTo: 7 }]);
    // events up to the snapshot's seq are duplicates; the ones after it apply
    state = apply(state, { type: "events", events: EVENTS.slice(5) });
    expect(state.nodes.b.status).toBe("cached");
    expect(logText(state.nodes.a)).toBe("");
    state = apply(state, { type: "backfill", after: 0, upTo: 7, events: EVENTS.slice(0, 7) });
    expect(state.gaps).toEqual([]);
    expect(runView(state)).toEqual(runView(inOrder()));
  });

  it("resumes after a dropped socket: fresh snapshot, duplicate events dropped, ends where the server is", () => {
    // connected, saw events 1..4, then the socket dropped
    let state = apply(initialRunState(1), { type: "snapshot", snapshot: AT_0 }, { type: "events", events: EVENTS.slice(0, 4) });
    expect(state.applied).toBe(4);
    // reconnected: a snapshot at seq 9, then the server's frames (one repeating 8 and 9)
    state = apply(state, { type: "snapshot", snapshot: AT_9 });
    expect(state.gaps).toEqual([{ after: 4, upTo: 9 }]);
    state = apply(state, { type: "events", events: EVENTS.slice(7, 11) }, { type: "events", events: EVENTS.slice(11) });
    // the backfill of 5..9 arrives last: it must not undo the later statuses
    state = apply(state, { type: "backfill", after: 4, upTo: 9, events: EVENTS.slice(4, 9) });
    expect(runView(state)).toEqual(runView(inOrder()));
    expect(isSettled(state)).toBe(true);
  });

  it("an old snapshot does not undo later events", () => {
    const state = apply(inOrder(), { type: "snapshot", snapshot: AT_7 });
    expect(runView(state)).toEqual(runView(inOrder()));
  });

  it("a retried step starts again with no progress", () => {
    const retry = ev(14, { type: "step.status", node: "c", status: "running", attempt: 2 });
    const state = runReducer(inOrder(), { type: "events", events: [retry] });
    expect(state.nodes.c).toMatchObject({ status: "running", progress: null, startedAt: T0 + 14000 });
  });

  it("keeps the same log tail whatever the arrival order when the log is longer than the tail", () => {
    const sizes = [0.3, 0.6, 0.6, 0.2, 0.5, 0.1];
    const logs = sizes.map((f, i) =>
      ev(i + 1, { type: "step.log", node: "a", text: String(i).repeat(Math.floor(f * LOG_TAIL_CHARS)) }),
    );
    const ordered = runReducer(initialRunState(1), { type: "events", events: logs });
    expect(logText(ordered.nodes.a).length).toBeLessThanOrEqual(LOG_TAIL_CHARS);
    for (const seed of [11, 12, 13, 14, 15]) {
      const state = shuffled(logs, seed).reduce((s, e) => runReducer(s, { type: "events", events: [e] }), initialRunState(1));
      expect(logText(state.nodes.a)).toBe(logText(ordered.nodes.a));
    }
  });

  it("applies a large frame at once and leaves the nodes it does not touch as they were", () => {
    const steps = Array.from({ length: 1000 }, (_, i) => brief(`n${i}`, "waiting"));
    const start = runReducer(initialRunState(1), { type: "snapshot", snapshot: snapshot(0, "running", steps) });
    const frame = Array.from({ length: 500 }, (_, i) =>
      ev(i + 1, { type: "step.status", node: `n${Math.floor(i / 2)}`, status: i % 2 ? "succeeded" : "running" }),
    );
    const state = runReducer(start, { type: "events", events: frame });
    expect(state.applied).toBe(500);
    expect(state.nodes.n249.status).toBe("succeeded");
    expect(state.nodes.n250).toBe(start.nodes.n250); // same object: its node is not drawn again
    expect(start.nodes.n0.status).toBe("waiting"); // the state before is left unchanged
    expect(state.order).toHaveLength(1000);
  });

  it("ignores an event type it does not know", () => {
    const odd = { run: 1, seq: 1, at: new Date(T0).toISOString(), type: "step.other" } as unknown as RunEvent;
    const state = runReducer(initialRunState(1), { type: "events", events: [odd] });
    expect(state.applied).toBe(1);
  });
});
