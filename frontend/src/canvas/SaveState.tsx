// The visible save state (saved / saving / unsaved / conflict / failed) and, on a conflict, the
// choice between the other person's version and mine.
import { useState } from "react";
import { useDesigner, useDesignerStoreApi } from "../store/designerStore";

const TEXT = {
  saved: "All changes saved",
  saving: "Saving…",
  unsaved: "Unsaved changes",
  conflict: "Someone else saved this draft",
  error: "Not saved",
} as const;

export function SaveState() {
  const store = useDesignerStoreApi();
  const status = useDesigner((s) => s.saveStatus);
  const message = useDesigner((s) => s.saveMessage);
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState("");

  const run = (action: () => Promise<unknown>) => async () => {
    setBusy(true);
    setFailure("");
    try {
      await action();
    } catch (err) {
      setFailure(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className={`gw-save gw-save--${status}`}>
      <span role="status" aria-live="polite" title={message || undefined}>
        {TEXT[status]}
      </span>
      {status === "error" && (
        <button type="button" disabled={busy} onClick={run(() => store.getState().flush())}>
          Retry save
        </button>
      )}
      {status === "conflict" && (
        <span className="gw-conflict" role="alert">
          {message}
          <button type="button" disabled={busy} onClick={run(() => store.getState().reloadTheirs())}>
            Reload theirs
          </button>
          <button type="button" disabled={busy} onClick={run(() => store.getState().overwriteMine())}>
            Overwrite with mine
          </button>
        </span>
      )}
      {failure && <span className="gw-problem">{failure}</span>}
    </div>
  );
}
