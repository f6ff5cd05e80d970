// The visible save state (saved / saving / unsaved / conflict / failed) in the toolbar and, on a
// conflict, a banner offering the other person's version or mine.
import { useState } from "react";
import { useDesigner, useDesignerStoreApi } from "../store/designerStore";

const TEXT = {
  saved: "All changes saved",
  saving: "Saving…",
  unsaved: "Unsaved changes",
  conflict: "Someone else saved this draft",
  error: "Not saved",
} as const;

function useAction() {
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
  return { busy, failure, run };
}

export function SaveState() {
  const store = useDesignerStoreApi();
  const status = useDesigner((s) => s.saveStatus);
  const message = useDesigner((s) => s.saveMessage);
  const { busy, failure, run } = useAction();
  return (
    <div className={`gw-save gw-save--${status}`}>
      <span role="status" aria-live="polite" title={message || undefined}>
        {TEXT[status]}
        {status === "error" && message ? `: ${message}` : ""}
      </span>
      {status === "error" && (
        <button type="button" disabled={busy} onClick={run(() => store.getState().flush())}>
          Retry save
        </button>
      )}
      {failure && <span className="gw-problem">{failure}</span>}
    </div>
  );
}

/** Shown while a save was refused because someone else saved first: theirs, or mine over theirs. */
export function ConflictBanner() {
  const store = useDesignerStoreApi();
  const status = useDesigner((s) => s.saveStatus);
  const message = useDesigner((s) => s.saveMessage);
  const { busy, failure, run } = useAction();
  if (status !== "conflict") return null;
  return (
    <div className="gw-conflict" role="alert">
      <p>
        <strong>Your edits are not saved:</strong> {message}
        {/[.!?]$/.test(message) ? "" : "."} Your edits stay on the canvas until you choose.
      </p>
      <button type="button" disabled={busy} onClick={run(() => store.getState().reloadTheirs())}>
        Reload theirs (drop my edits)
      </button>
      <button type="button" disabled={busy} onClick={run(() => store.getState().overwriteMine())}>
        Overwrite with mine
      </button>
      {failure && <span className="gw-problem">{failure}</span>}
    </div>
  );
}
