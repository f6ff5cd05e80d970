// Loading and error states every page shows the same way: a polite status while waiting, an alert
// with the server's message (ApiError) and a way to try again when something failed.
import { ApiError } from "../api/client";

export function Loading({ what }: { what: string }) {
  return (
    <p className="page-status" role="status" aria-live="polite">
      Loading {what}…
    </p>
  );
}

export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) {
    const errors = (error.body as { errors?: { message?: string }[] } | null)?.errors;
    if (Array.isArray(errors) && errors.length > 0) return errors.map((e) => e.message).join("; ");
    if (error.status === 403) return "You do not have access to this.";
    return error.message;
  }
  if (error instanceof TypeError) return "The server could not be reached; check your connection.";
  return error instanceof Error ? error.message : String(error);
}

export function ErrorMessage({ what, error, onRetry }: { what: string; error: unknown; onRetry?: () => void }) {
  return (
    <div className="page-error" role="alert">
      <p>
        Could not load {what}: {errorMessage(error)}
      </p>
      {onRetry && (
        <button type="button" onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}
