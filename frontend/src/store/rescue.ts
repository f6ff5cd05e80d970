// Edits that could not be saved when the page was left (a conflict, a failed save, a closed tab)
// are kept in localStorage per draft, so opening the draft again offers them back.
import type { PipelineDocument } from "../api/types";

const KEY = "graphwright.unsaved";

export interface RescuedEdits {
  document: PipelineDocument;
  savedAt: string; // ISO time the edits were kept
}

export function keepUnsaved(draftId: number, document: PipelineDocument): void {
  try {
    localStorage.setItem(`${KEY}.${draftId}`, JSON.stringify({ document, savedAt: new Date().toISOString() }));
  } catch {
    // storage full or disabled: nothing more can be done here
  }
}

export function readUnsaved(draftId: number): RescuedEdits | null {
  try {
    const data = JSON.parse(localStorage.getItem(`${KEY}.${draftId}`) ?? "null");
    return data && data.document && Array.isArray(data.document.nodes) ? (data as RescuedEdits) : null;
  } catch {
    return null;
  }
}

export function forgetUnsaved(draftId: number): void {
  localStorage.removeItem(`${KEY}.${draftId}`);
}
