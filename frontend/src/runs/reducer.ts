// The run's state in the browser, built from a snapshot and the run's numbered events (pure).
//
// Events apply in `seq` order: one at or below the last applied is a duplicate and is dropped, one
// beyond the next expected waits in `pending` until the gap before it is filled. Every field keeps
// the seq it was written at and is only overwritten by a later one, and log text is kept per seq,
// so a snapshot followed by the events it skipped ("backfill") ends in exactly the state of
// in-order delivery.
import {
  RUN_FINAL,
  type RunEvent,
  type RunSnapshot,
  type RunStatus,
  type StepBrief,
  type StepStatus,
} from "./types";

/** Log text kept per node (the stored log of a finished step is read from the step itself). */
export const LOG_TAIL_CHARS = 100_000;

export interface LogChunk {
  seq: number;
  text: string;
}

export interface NodeRun {
  status: StepStatus;
  statusSeq: number;
  reason: string;
  failure: string; // the failure's class (user_code, timeout, memory, lost, launch, infrastructure)
  error: string;
  duration: number | null;
  reusedFromRun: number | null;
  outputs: Record<string, { digest: string; kind: string }>;
  startedAt: number | null; // epoch ms, server time
  startedSeq: number;
  finishedAt: number | null;
  progress: number | null; // 0..1 of the current attempt; null: none reported
  progressMessage: string;
  progressSeq: number;
  log: LogChunk[]; // in seq order, at most LOG_TAIL_CHARS in all
  logFloor: number; // chunks at or below this seq were dropped from the tail
  metrics: Record<string, { value: number; seq: number }>;
}

export interface Gap {
  after: number; // the events after this seq ...
  upTo: number; // ... up to this one were skipped by a snapshot: their logs, progress and metrics
}

export interface RunState {
  runId: number | null;
  status: RunStatus;
  statusSeq: number;
  error: string;
  startedAt: number | null;
  finishedAt: number | null;
  applied: number; // every event up to this seq is applied (or covered by a snapshot)
  pending: RunEvent[]; // events beyond applied + 1, in seq order, waiting for the gap before them
  gaps: Gap[]; // ranges a snapshot jumped over, to read from `events/?after=` (backfill)
  nodes: Record<string, NodeRun>;
  order: string[]; // node ids in plan order
  snapshot: Omit<RunSnapshot, "steps"> | null; // the run's other fields, as last seen
  lastTs: number | null; // server time of the last event applied
}

export type RunAction =
  | { type: "snapshot"; snapshot: RunSnapshot }
  | { type: "events"; events: RunEvent[] }
  | { type: "backfill"; after: number; upTo: number; events: RunEvent[] }
  | { type: "reusedFrom"; steps: StepBrief[] };

export function initialRunState(runId: number | null = null): RunState {
  return {
    runId,
    status: "queued",
    statusSeq: 0,
    error: "",
    startedAt: null,
    finishedAt: null,
    applied: 0,
    pending: [],
    gaps: [],
    nodes: {},
    order: [],
    snapshot: null,
    lastTs: null,
  };
}

export function isRunFinal(status: RunStatus): boolean {
  return (RUN_FINAL as readonly string[]).includes(status);
}

/** True when the run has ended and every event up to its end is applied: nothing more will come. */
export function isSettled(state: RunState): boolean {
  return isRunFinal(state.status) && state.pending.length === 0 && state.applied > 0;
}

export function runReducer(state: RunState, action: RunAction): RunState {
  switch (action.type) {
    case "snapshot":
      return applySnapshot(state, action.snapshot);
    case "events":
      return applyEvents(state, action.events);
    case "backfill":
      return applyBackfill(state, action);
    case "reusedFrom":
      return applyReusedFrom(state, action.steps);
  }
}

function parseTime(value: string | null | undefined): number | null {
  if (!value) return null;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : ms;
}

export function eventTime(event: RunEvent): number | null {
  return typeof event.ts === "number" ? event.ts : parseTime(event.at);
}

function emptyNode(status: StepStatus = "waiting"): NodeRun {
  return {
    status,
    statusSeq: 0,
    reason: "",
    failure: "",
    error: "",
    duration: null,
    reusedFromRun: null,
    outputs: {},
    startedAt: null,
    startedSeq: 0,
    finishedAt: null,
    progress: null,
    progressMessage: "",
    progressSeq: 0,
    log: [],
    logFloor: 0,
    metrics: {},
  };
}

function nodeFromBrief(node: NodeRun, brief: StepBrief, seq: number): NodeRun {
  if (seq < node.statusSeq) return node; // the node already shows something later
  const next: NodeRun = {
    ...node,
    status: brief.status,
    statusSeq: seq,
    reason: brief.reason ?? "",
    failure: brief.failure ?? "",
    error: brief.error ?? "",
    duration: brief.duration ?? null,
    reusedFromRun: brief.reused_from_run ?? null,
    outputs: brief.outputs ?? {},
    finishedAt: parseTime(brief.finished_at) ?? (brief.status === "running" ? null : node.finishedAt),
  };
  const started = parseTime(brief.started_at);
  if (started !== null && seq >= node.startedSeq) {
    next.startedAt = started;
    next.startedSeq = seq;
  }
  return next;
}

function applySnapshot(state: RunState, snapshot: RunSnapshot): RunState {
  const { steps, ...run } = snapshot;
  const seq = snapshot.seq;
  const nodes = { ...state.nodes };
  const order = state.order.length === steps.length ? state.order : steps.map((s) => s.node);
  for (const brief of steps) {
    nodes[brief.node] = nodeFromBrief(nodes[brief.node] ?? emptyNode(brief.status), brief, seq);
  }
  let next: RunState = { ...state, runId: snapshot.id, nodes, order, snapshot: run };
  if (seq >= state.statusSeq) {
    next = {
      ...next,
      status: snapshot.status,
      statusSeq: seq,
      error: snapshot.error ?? "",
      startedAt: parseTime(snapshot.started_at) ?? state.startedAt,
      finishedAt: parseTime(snapshot.finished_at),
    };
  }
  if (seq > state.applied) {
    next.gaps = [...state.gaps, { after: state.applied, upTo: seq }];
    next.applied = seq;
    next.pending = state.pending.filter((e) => e.seq > seq);
    return drain(next);
  }
  return next;
}

function applyEvents(state: RunState, events: RunEvent[]): RunState {
  const bySeq = new Map(state.pending.map((e) => [e.seq, e]));
  for (const event of events) {
    // at or below `applied`: a duplicate; already waiting: a duplicate too
    if (event.seq > state.applied && !bySeq.has(event.seq)) bySeq.set(event.seq, event);
  }
  if (bySeq.size === state.pending.length) return state;
  return drain({ ...state, pending: [...bySeq.values()].sort((x, y) => x.seq - y.seq) });
}

/** Apply the waiting events that continue exactly after `applied`. */
function drain(state: RunState): RunState {
  const pending = state.pending;
  if (pending.length === 0 || pending[0].seq > state.applied + 1) return state;
  // one copy of the nodes and the order for the whole batch, written in place below (a frame
  // holds up to 500 events; copying 1,000 nodes per event would be quadratic)
  let next: RunState = { ...state, nodes: { ...state.nodes }, order: [...state.order] };
  let taken = 0;
  while (taken < pending.length && pending[taken].seq <= next.applied + 1) {
    const event = pending[taken];
    if (event.seq === next.applied + 1) next = { ...applyEvent(next, event, true), applied: event.seq };
    taken += 1;
  }
  return { ...next, pending: pending.slice(taken) };
}

function applyBackfill(state: RunState, action: { after: number; upTo: number; events: RunEvent[] }): RunState {
  let next = state;
  const later: RunEvent[] = [];
  for (const event of action.events) {
    if (event.seq > state.applied) later.push(event);
    else next = applyEvent(next, event); // each field keeps whatever was written after
  }
  const gaps = next.gaps.filter((g) => !(g.after >= action.after && g.upTo <= action.upTo));
  next = { ...next, gaps };
  return later.length ? applyEvents(next, later) : next;
}

/** `state` with node `id` updated; `owned`: its nodes and order are this batch's copies, written in place. */
/** The runs reused steps came from, read from a snapshot (a step.status event names the step
 *  reused, not its run): only fills what is missing, nothing else of the snapshot is taken. */
function applyReusedFrom(state: RunState, steps: StepBrief[]): RunState {
  let nodes: Record<string, NodeRun> | null = null;
  for (const brief of steps) {
    const node = state.nodes[brief.node];
    if (node && node.status === "cached" && node.reusedFromRun === null && brief.reused_from_run) {
      nodes ??= { ...state.nodes };
      nodes[brief.node] = { ...node, reusedFromRun: brief.reused_from_run };
    }
  }
  return nodes ? { ...state, nodes } : state;
}

/** Nodes shown reused whose source run is not known yet. */
export function missingReusedFrom(state: RunState): number {
  let n = 0;
  for (const id of state.order) if (state.nodes[id]?.status === "cached" && state.nodes[id].reusedFromRun === null) n++;
  return n;
}

function withNode(state: RunState, id: string, update: (node: NodeRun) => NodeRun, owned: boolean): RunState {
  const node = state.nodes[id] ?? emptyNode();
  const updated = update(node);
  if (updated === node) return state;
  if (owned) {
    if (!(id in state.nodes)) state.order.push(id);
    state.nodes[id] = updated;
    return state;
  }
  const order = id in state.nodes ? state.order : [...state.order, id];
  return { ...state, nodes: { ...state.nodes, [id]: updated }, order };
}

/** One event, each field written only when the event is later than what the field shows.
 *  `owned`: the state's nodes and order are the caller's private copies (see drain). */
export function applyEvent(state: RunState, event: RunEvent, owned = false): RunState {
  const ts = eventTime(event);
  const lastTs = ts !== null && (state.lastTs === null || ts > state.lastTs) ? ts : state.lastTs;
  const base = lastTs === state.lastTs ? state : { ...state, lastTs };
  switch (event.type) {
    case "run.status": {
      if (event.seq <= base.statusSeq) return base;
      return {
        ...base,
        status: event.status,
        statusSeq: event.seq,
        error: event.error ?? "",
        startedAt: event.status === "running" && base.startedAt === null ? ts : base.startedAt,
        finishedAt: isRunFinal(event.status) ? ts : null,
      };
    }
    case "step.status":
      return withNode(base, event.node, (node) => stepStatus(node, event, ts), owned);
    case "step.progress":
      return withNode(base, event.node, (node) =>
        event.seq <= node.progressSeq
          ? node
          : { ...node, progress: clamp01(event.fraction), progressMessage: event.message ?? "", progressSeq: event.seq },
      owned);
    case "step.log":
      return withNode(base, event.node, (node) => addLog(node, event.seq, event.text), owned);
    case "step.metric":
      return withNode(base, event.node, (node) => {
        const known = node.metrics[event.name];
        if (known && known.seq >= event.seq) return node;
        return { ...node, metrics: { ...node.metrics, [event.name]: { value: event.value, seq: event.seq } } };
      }, owned);
    default:
      return base; // an event type this client does not know
  }
}

function clamp01(value: number): number {
  return Number.isFinite(value) ? Math.min(1, Math.max(0, value)) : 0;
}

function stepStatus(node: NodeRun, event: Extract<RunEvent, { type: "step.status" }>, ts: number | null): NodeRun {
  let next = node;
  if (event.status === "running" && event.seq > node.startedSeq) {
    // a new attempt: it starts now, with no progress yet
    next = { ...next, startedAt: ts, startedSeq: event.seq };
    if (event.seq > node.progressSeq) next = { ...next, progress: null, progressMessage: "", progressSeq: event.seq };
  }
  if (event.seq <= node.statusSeq) return next;
  return {
    ...next,
    status: event.status,
    statusSeq: event.seq,
    reason: event.reason ?? "",
    failure: event.failure ?? "",
    error: event.error ?? "",
    duration: event.duration ?? (event.status === "running" ? null : next.duration),
    reusedFromRun: event.reused_from_run ?? (event.status === "cached" ? next.reusedFromRun : null),
    outputs: event.outputs ?? next.outputs,
    finishedAt: event.status === "running" || event.status === "queued" || event.status === "waiting" ? null : ts,
  };
}

function addLog(node: NodeRun, seq: number, text: string): NodeRun {
  if (seq <= node.logFloor || node.log.some((c) => c.seq === seq)) return node;
  const at = node.log.findIndex((c) => c.seq > seq);
  const log = at === -1 ? [...node.log, { seq, text }] : [...node.log.slice(0, at), { seq, text }, ...node.log.slice(at)];
  // keep the longest run of latest chunks that fits; remember where the cut was, so a chunk from
  // before it arriving late is dropped too (the tail is the same whatever the arrival order)
  let total = log.reduce((n, c) => n + c.text.length, 0);
  let floor = node.logFloor;
  while (total > LOG_TAIL_CHARS && log.length > 1) {
    const dropped = log.shift()!;
    total -= dropped.text.length;
    floor = dropped.seq;
  }
  if (total > LOG_TAIL_CHARS) log[0] = { seq: log[0].seq, text: log[0].text.slice(-LOG_TAIL_CHARS) };
  return { ...node, log, logFloor: floor };
}

/** The node's log tail as one text. */
export function logText(node: NodeRun | undefined): string {
  return node ? node.log.map((c) => c.text).join("") : "";
}

/** What the page shows of a run, without the bookkeeping of seqs: equal states look the same. */
export function runView(state: RunState) {
  const nodes: Record<string, unknown> = {};
  for (const id of Object.keys(state.nodes).sort()) {
    const n = state.nodes[id];
    nodes[id] = {
      status: n.status,
      reason: n.reason,
      failure: n.failure,
      error: n.error,
      duration: n.duration,
      reusedFromRun: n.reusedFromRun,
      outputs: n.outputs,
      startedAt: n.startedAt,
      progress: n.progress,
      progressMessage: n.progressMessage,
      log: logText(n),
      metrics: Object.fromEntries(Object.entries(n.metrics).map(([k, v]) => [k, v.value])),
    };
  }
  return { status: state.status, error: state.error, applied: state.applied, nodes };
}
