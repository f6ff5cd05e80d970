// One live run per page: created on mount, connected while the page shows it, closed on leaving.
// (The page is keyed by run id, so another run is another mount.)
import { useEffect, useState } from "react";
import { fetchEventsAfter, fetchRunSnapshot } from "./api";
import { createRunLive, type RunLive } from "./socket";

export function useRunSocket(runId: number): RunLive {
  const [live] = useState(() =>
    createRunLive({
      runId,
      fetchEventsAfter: (after) => fetchEventsAfter(runId, after),
      fetchSnapshot: () => fetchRunSnapshot(runId),
    }),
  );
  useEffect(() => {
    live.start();
    return () => live.stop();
  }, [live]);
  return live;
}
