// One draft on the home page: open, rename inline, duplicate, delete after a confirmation.
import { useEffect, useRef, useState, type FormEvent } from "react";
import { Link } from "react-router-dom";
import { formatRelative } from "./format";
import type { Draft } from "./draftsApi";
import { errorMessage } from "./status";

export interface DraftActions {
  rename: (id: number, name: string) => Promise<unknown>;
  duplicate: (id: number) => Promise<unknown>;
  remove: (id: number) => Promise<unknown>;
}

type Mode = "view" | "rename" | "confirm-delete";

export function DraftRow({ draft, actions, canEdit }: { draft: Draft; actions: DraftActions; canEdit: boolean }) {
  const [mode, setMode] = useState<Mode>("view");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function run(action: () => Promise<unknown>, after: Mode = "view") {
    setBusy(true);
    setError(null);
    try {
      await action();
      setMode(after);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <li className="draft-row">
      {mode === "rename" ? (
        <RenameForm
          name={draft.name}
          busy={busy}
          onCancel={() => {
            setMode("view");
            setError(null);
          }}
          onSave={(name) => run(() => actions.rename(draft.id, name))}
        />
      ) : (
        <div className="draft-main">
          <Link to={`/drafts/${draft.id}`} className="draft-name">
            {draft.name}
          </Link>
          {draft.description && <span className="draft-description">{draft.description}</span>}
          <span className="muted">
            edited {formatRelative(draft.updated_at)}
            {draft.created_by && ` · made by ${draft.created_by}`}
          </span>
        </div>
      )}
      {mode === "view" && (
        <div className="row-actions">
          <Link to={`/runs?pipeline=${draft.id}`} aria-label={`Runs of ${draft.name}`}>
            Runs
          </Link>
        </div>
      )}
      {mode === "view" && canEdit && (
        <div className="row-actions">
          <button type="button" aria-label={`Rename ${draft.name}`} onClick={() => setMode("rename")} disabled={busy}>
            Rename
          </button>
          <button
            type="button"
            aria-label={`Duplicate ${draft.name}`}
            onClick={() => run(() => actions.duplicate(draft.id))}
            disabled={busy}
          >
            {busy ? "Duplicating…" : "Duplicate"}
          </button>
          <button
            type="button"
            className="danger"
            aria-label={`Delete ${draft.name}`}
            onClick={() => setMode("confirm-delete")}
            disabled={busy}
          >
            Delete
          </button>
        </div>
      )}
      {mode === "confirm-delete" && (
        <ConfirmDelete
          name={draft.name}
          busy={busy}
          onCancel={() => setMode("view")}
          onConfirm={() => run(() => actions.remove(draft.id))}
        />
      )}
      {error && (
        <p className="inline-error" role="alert">
          {error}
        </p>
      )}
    </li>
  );
}

function RenameForm(props: { name: string; busy: boolean; onSave: (name: string) => void; onCancel: () => void }) {
  const [name, setName] = useState(props.name);
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => input.current?.select(), []);
  const trimmed = name.trim();

  function submit(event: FormEvent) {
    event.preventDefault();
    if (!trimmed) return;
    if (trimmed === props.name) props.onCancel();
    else props.onSave(trimmed);
  }

  return (
    <form className="rename-form" onSubmit={submit} aria-label={`Rename ${props.name}`}>
      <label>
        <span className="visually-hidden">New name of {props.name}</span>
        <input
          ref={input}
          value={name}
          maxLength={200}
          required
          onChange={(e) => setName(e.target.value)}
          onKeyDown={(e) => e.key === "Escape" && props.onCancel()}
        />
      </label>
      <button type="submit" disabled={props.busy || !trimmed}>
        {props.busy ? "Saving…" : "Save"}
      </button>
      <button type="button" onClick={props.onCancel}>
        Cancel
      </button>
      {!trimmed && <span className="inline-error">A pipeline needs a name.</span>}
    </form>
  );
}

function ConfirmDelete(props: { name: string; busy: boolean; onConfirm: () => void; onCancel: () => void }) {
  const confirm = useRef<HTMLButtonElement>(null);
  useEffect(() => confirm.current?.focus(), []);
  const titleId = `confirm-delete-${props.name.replace(/\W+/g, "-")}`;
  return (
    <div
      className="confirm"
      role="alertdialog"
      aria-labelledby={titleId}
      onKeyDown={(e) => e.key === "Escape" && props.onCancel()}
    >
      <p id={titleId}>
        Delete <strong>{props.name}</strong>? Its runs and versions are kept; the draft cannot be restored.
      </p>
      <button type="button" className="danger" ref={confirm} onClick={props.onConfirm} disabled={props.busy}>
        {props.busy ? "Deleting…" : "Delete"}
      </button>
      <button type="button" onClick={props.onCancel}>
        Cancel
      </button>
    </div>
  );
}
