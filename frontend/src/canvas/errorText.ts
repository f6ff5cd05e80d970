// An error's text with what the user can do about it (the server's `hint`), for tooltips and lists.
import type { GraphError } from "../api/types";

/** "column 'sex' holds text: … — encode it with Convert to Indicator Values" */
export function withHint(error: Pick<GraphError, "message" | "hint">): string {
  return error.hint ? `${error.message} — ${error.hint}` : error.message;
}
