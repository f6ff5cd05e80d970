// A yes/no question before an action that cannot be undone (cancelling a run).
import { Dialog } from "../canvas/Dialog";

interface Props {
  title: string;
  message: string;
  confirm: string;
  dismiss: string;
  busy?: boolean;
  error?: string;
  onConfirm: () => void;
  onClose: () => void;
}

export function ConfirmDialog({ title, message, confirm, dismiss, busy, error, onConfirm, onClose }: Props) {
  return (
    <Dialog title={title} onClose={onClose} className="run-dialog">
      <p>{message}</p>
      {error && (
        <p role="alert" className="run-field-error">
          {error}
        </p>
      )}
      <div className="run-dialog-actions">
        <button type="button" onClick={onClose}>
          {dismiss}
        </button>
        <button type="button" className="danger" onClick={onConfirm} disabled={busy}>
          {busy ? "Working…" : confirm}
        </button>
      </div>
    </Dialog>
  );
}
