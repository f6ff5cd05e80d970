// Typing goes into a local draft; the edit is committed once, on blur or Enter (one undo entry per
// field edit). Between edits the field shows the document's value, so undo and redo show through.
import { useState, type ChangeEvent, type KeyboardEvent } from "react";

type TextElement = HTMLInputElement | HTMLTextAreaElement;

export interface DraftText {
  text: string;
  editing: boolean;
  onChange(event: ChangeEvent<TextElement>): void;
  onBlur(): void;
  onKeyDown(event: KeyboardEvent<TextElement>): void;
}

/**
 * `shown` is the committed value as text; `commit(text)` returns false to keep the draft (an
 * invalid entry stays in the field beside its message, nothing typed is lost).
 */
export function useDraftText(shown: string, commit: (text: string) => boolean | void, multiline = false): DraftText {
  const [draft, setDraft] = useState<string | null>(null);
  const finish = () => {
    if (draft === null) return;
    if (draft === shown) {
      setDraft(null);
      return;
    }
    if (commit(draft) !== false) setDraft(null);
  };
  return {
    text: draft ?? shown,
    editing: draft !== null,
    onChange: (event) => setDraft(event.target.value),
    onBlur: finish,
    onKeyDown: (event) => {
      if (event.key === "Enter" && !multiline) {
        event.preventDefault();
        finish();
      } else if (event.key === "Escape" && draft !== null) {
        event.stopPropagation();
        setDraft(null);
      }
    },
  };
}
