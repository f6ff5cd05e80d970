// The live run's store, reachable from every node of the run graph: a node reads only its own
// state, so an event re-renders the node it is about and nothing else.
import { createContext, useContext, useSyncExternalStore } from "react";
import { useStore } from "zustand";
import type { NodeRun } from "./reducer";
import type { RunLiveState, RunLiveStore } from "./socket";

export const RunStoreContext = createContext<RunLiveStore | null>(null);

function useRunStore(): RunLiveStore {
  const store = useContext(RunStoreContext);
  if (!store) throw new Error("useRunStore needs a RunStoreContext provider");
  return store;
}

export function useRunLive<T>(select: (s: RunLiveState) => T): T {
  return useStore(useRunStore(), select);
}

export function useNodeRun(nodeId: string): NodeRun | undefined {
  return useRunLive((s) => s.run.nodes[nodeId]);
}

// one clock for every running node and the header: a second's tick is one timer, not one per node
const ticking = new Set<() => void>();
let clock: ReturnType<typeof setInterval> | null = null;
let now = Date.now();

function subscribeClock(listener: () => void): () => void {
  if (clock === null) {
    now = Date.now();
    clock = setInterval(() => {
      now = Date.now();
      ticking.forEach((l) => l());
    }, 1000);
  }
  ticking.add(listener);
  return () => {
    ticking.delete(listener);
    if (ticking.size === 0 && clock !== null) {
      clearInterval(clock);
      clock = null;
    }
  };
}

const still = () => () => {};

/** The time now, ticking every second while `active` (for the duration of what still runs). */
export function useNow(active: boolean): number {
  return useSyncExternalStore(active ? subscribeClock : still, () => (active ? now : 0));
}
