// The live run: one WebSocket to /ws/runs/<id>/ feeding the reducer, reconnecting after a drop.
//
// After a drop it reconnects with backoff; the server answers with a fresh snapshot, which the
// reducer applies over what it has (events at or below the snapshot's seq are dropped as
// duplicates), and what the snapshot skipped (logs, progress, metrics) is read from
// `events/?after=`. Once the run has ended and every event is applied, the socket closes.
import { createStore, type StoreApi } from "zustand/vanilla";
import { initialRunState, isRunFinal, isSettled, missingReusedFrom, runReducer, type RunAction, type RunState } from "./reducer";
import type { EventPage, RunEvent, RunFrame, RunSnapshot } from "./types";

export type Connection = "connecting" | "live" | "reconnecting" | "finished" | "refused";

export interface RunLiveState {
  run: RunState;
  connection: Connection;
  problem: string; // why the socket was refused, or what last went wrong
}

export type RunLiveStore = StoreApi<RunLiveState>;

/** Close codes of designer/consumers.py: a refusal is final, anything else is retried. */
export const REFUSALS: Record<number, string> = {
  4401: "You are signed out: sign in again to follow this run.",
  4403: "The server refused the live connection from this page's address.",
  4404: "This run does not exist or is not in one of your workspaces.",
};

export interface RunSocketOptions {
  runId: number;
  url?: string;
  WebSocketImpl?: { new (url: string): WebSocket };
  fetchEventsAfter: (after: number) => Promise<EventPage>;
  fetchSnapshot: () => Promise<RunSnapshot>;
  /** ms to wait before reconnect attempt `n` (1, 2, ...) */
  backoff?: (attempt: number) => number;
  /** ms an early event may wait for the gap before it before the gap is read over HTTP */
  gapWaitMs?: number;
  /** pages of events read at most to backfill one snapshot's gap */
  maxBackfillPages?: number;
  /** ms to gather reused steps before reading the runs they came from */
  reusedWaitMs?: number;
}

export function defaultBackoff(attempt: number): number {
  const base = Math.min(10_000, 500 * 2 ** (attempt - 1));
  return Math.round(base * (0.75 + Math.random() * 0.5));
}

export function runSocketUrl(runId: number, location: Location = window.location): string {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  return `${scheme}://${location.host}/ws/runs/${runId}/`;
}

export interface RunLive {
  store: RunLiveStore;
  start(): void;
  stop(): void;
  /** apply a snapshot read elsewhere (after a cancel, say) */
  dispatch(action: RunAction): void;
}

export function createRunLive(options: RunSocketOptions): RunLive {
  const store = createStore<RunLiveState>(() => ({
    run: initialRunState(options.runId),
    connection: "connecting",
    problem: "",
  }));
  const backoff = options.backoff ?? defaultBackoff;
  const gapWaitMs = options.gapWaitMs ?? 1000;
  const maxPages = options.maxBackfillPages ?? 20;
  const reusedWaitMs = options.reusedWaitMs ?? 300;
  let socket: WebSocket | null = null;
  let stopped = false;
  let attempt = 0;
  let sawUnfinished = false; // the run was seen unfinished: read its final snapshot at the end
  let reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  let gapTimer: ReturnType<typeof setTimeout> | null = null;
  let reusedTimer: ReturnType<typeof setTimeout> | null = null;
  let reusedAsked = 0; // reused steps without their run when the snapshot was last read for them
  const backfilling = new Set<string>();

  const dispatch = (action: RunAction) => {
    const run = runReducer(store.getState().run, action);
    if (run !== store.getState().run) store.setState({ run });
    afterChange();
  };

  function afterChange() {
    const { run } = store.getState();
    for (const gap of run.gaps) void backfill(gap.after, gap.upTo);
    if (run.pending.length > 0) scheduleGapRead();
    if (isSettled(run) && run.gaps.length === 0) finish();
    else if (missingReusedFrom(run) > reusedAsked) scheduleReusedRead();
  }

  /** A step.status event names the step reused, not its run: the snapshot has the run. */
  function scheduleReusedRead() {
    if (reusedTimer !== null) return;
    reusedTimer = setTimeout(async () => {
      reusedTimer = null;
      reusedAsked = missingReusedFrom(store.getState().run);
      try {
        const snapshot = await options.fetchSnapshot();
        if (!stopped) dispatch({ type: "reusedFrom", steps: snapshot.steps });
      } catch {
        // the badge shows "reused" without its link until the run's final snapshot
      }
    }, reusedWaitMs);
  }

  async function backfill(after: number, upTo: number) {
    const key = `${after}-${upTo}`;
    if (backfilling.has(key)) return;
    backfilling.add(key);
    const events: RunEvent[] = [];
    try {
      // a run seen for the first time already ended: its steps' own logs and metrics are read from them
      const wanted = after > 0 || !isRunFinal(store.getState().run.status);
      let cursor = after;
      for (let page = 0; wanted && page < maxPages && cursor < upTo; page++) {
        const { results, next } = await options.fetchEventsAfter(cursor);
        if (stopped) return;
        for (const e of results) if (e.seq <= upTo) events.push(e);
        if (results.length === 0 || !next) break;
        cursor = results[results.length - 1].seq;
      }
    } catch (error) {
      store.setState({ problem: `Could not read the run's earlier events: ${describe(error)}` });
    } finally {
      backfilling.delete(key);
    }
    if (!stopped) dispatch({ type: "backfill", after, upTo, events });
  }

  function scheduleGapRead() {
    if (gapTimer !== null) return;
    gapTimer = setTimeout(async () => {
      gapTimer = null;
      const before = store.getState().run;
      if (before.pending.length === 0 || stopped) return;
      try {
        const { results } = await options.fetchEventsAfter(before.applied);
        if (!stopped) dispatch({ type: "events", events: results });
      } catch (error) {
        store.setState({ problem: `Could not read missing events: ${describe(error)}` });
        if (!stopped) scheduleGapRead();
      }
    }, gapWaitMs);
  }

  async function finish() {
    if (store.getState().connection === "finished" || stopped) return;
    store.setState({ connection: "finished" });
    closeSocket();
    if (sawUnfinished) {
      // the snapshot also carries what events leave out (the run a reused step came from)
      try {
        const snapshot = await options.fetchSnapshot();
        if (!stopped) dispatch({ type: "snapshot", snapshot });
      } catch {
        // the state from the events stands
      }
    }
  }

  function onFrame(frame: RunFrame) {
    if (frame.type === "snapshot") {
      attempt = 0;
      if (!isRunFinal(frame.run.status)) sawUnfinished = true;
      store.setState({ connection: "live", problem: "" });
      dispatch({ type: "snapshot", snapshot: frame.run });
    } else if (frame.type === "events") {
      dispatch({ type: "events", events: frame.events });
    }
  }

  function connect() {
    if (stopped) return;
    const Impl = options.WebSocketImpl ?? WebSocket;
    const ws = new Impl(options.url ?? runSocketUrl(options.runId));
    socket = ws;
    ws.onmessage = (message: MessageEvent) => {
      if (socket !== ws) return;
      let frame: RunFrame;
      try {
        frame = JSON.parse(String(message.data)) as RunFrame;
      } catch {
        return; // not a frame of this protocol
      }
      onFrame(frame);
    };
    ws.onclose = (event: CloseEvent) => {
      if (socket !== ws) return;
      socket = null;
      if (stopped || store.getState().connection === "finished") return;
      const refusal = REFUSALS[event.code];
      if (refusal) {
        store.setState({ connection: "refused", problem: refusal });
        return;
      }
      attempt += 1;
      store.setState({ connection: "reconnecting" });
      reconnectTimer = setTimeout(() => {
        reconnectTimer = null;
        connect();
      }, backoff(attempt));
    };
  }

  function closeSocket() {
    const ws = socket;
    socket = null;
    if (ws && ws.readyState <= 1) ws.close(1000, "run finished");
  }

  return {
    store,
    dispatch,
    start() {
      stopped = false;
      connect();
    },
    stop() {
      stopped = true;
      if (reconnectTimer !== null) clearTimeout(reconnectTimer);
      if (gapTimer !== null) clearTimeout(gapTimer);
      if (reusedTimer !== null) clearTimeout(reusedTimer);
      reconnectTimer = gapTimer = reusedTimer = null;
      closeSocket();
    },
  };
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
