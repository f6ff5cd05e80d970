// The live run's store, reachable from every node of the run graph: a node reads only its own
// state, so an event re-renders the node it is about and nothing else.
import { createContext, useContext, useEffect, useState } from "react";
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

/** The time now, ticking every `ms` while `active` (for the duration of what still runs). */
export function useNow(active: boolean, ms = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    setNow(Date.now());
    const id = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(id);
  }, [active, ms]);
  return now;
}
