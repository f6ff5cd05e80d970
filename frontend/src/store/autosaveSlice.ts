// Autosave: a debounced PATCH of the whole document carrying the revision it started from. A 409
// (someone saved in between) stops saving and offers "reload theirs" or "overwrite with mine";
// edits are never dropped: whatever changed during a save is saved right after it.
import type { StateCreator } from "zustand";
import { ApiError } from "../api/client";
import { asDocument } from "./convert";
import type { DesignerState } from "./designerStore";
import { forgetUnsaved, keepUnsaved, readUnsaved, type RescuedEdits } from "./rescue";
import type { DesignerApi, SavedDraft } from "./types";

export const AUTOSAVE_DELAY_MS = 800;

/** What went wrong, in the server's words when it gave any ({"detail"} or {"errors": [{message}]}). */
export function describeError(err: unknown): string {
  if (err instanceof ApiError) {
    const body = err.body as { errors?: { message?: string }[] } | null;
    const messages = (body?.errors ?? []).map((e) => e.message).filter(Boolean);
    if (messages.length) return messages.join("; ");
  }
  return err instanceof Error ? err.message : String(err);
}

export type SaveStatus = "saved" | "saving" | "unsaved" | "conflict" | "error";

export interface AutosaveSlice {
  draftId: number | null;
  workspace: string;
  revision: number | undefined;
  savedVersion: number;
  saveStatus: SaveStatus;
  saveMessage: string;

  /** Show a draft as loaded from the server: its document, revision, an empty history. */
  openDraft(draft: SavedDraft): void;
  scheduleSave(): void;
  /** Save now; resolves true once everything edited so far is saved. */
  flush(): Promise<boolean>;
  reloadTheirs(): Promise<void>;
  overwriteMine(): Promise<void>;
  hasUnsavedEdits(): boolean;
  /** Edits kept when this draft was last left unsaved, if they differ from what was loaded. */
  rescued: RescuedEdits | null;
  /** Leaving: keep unsaved edits in the browser (they are dropped again once saved). */
  keepIfUnsaved(): void;
  restoreRescued(): void;
  discardRescued(): void;
}

export function createAutosaveSlice(api: DesignerApi): StateCreator<DesignerState, [], [], AutosaveSlice> {
  return (set, get) => {
    let timer: ReturnType<typeof setTimeout> | null = null;
    let inFlight: Promise<void> | null = null;

    const cancelTimer = () => {
      if (timer !== null) clearTimeout(timer);
      timer = null;
    };

    async function saveOnce(): Promise<void> {
      const s = get();
      if (s.draftId === null || s.saveStatus === "conflict") return;
      const version = s.docVersion;
      const document = s.toDocument();
      set({ saveStatus: "saving", saveMessage: "" });
      try {
        const saved = await api.saveDraft(s.draftId, { name: s.meta.name || "Untitled pipeline", document, revision: s.revision });
        if (get().draftId !== s.draftId) return;
        set({ revision: saved.revision, savedVersion: version });
        set({ saveStatus: get().docVersion === version ? "saved" : "unsaved" });
        if (get().docVersion === version && !get().rescued) forgetUnsaved(s.draftId);
        get().refreshAnalysis();
      } catch (err) {
        if (err instanceof ApiError && err.status === 409) {
          set({ saveStatus: "conflict", saveMessage: describeError(err) });
        } else {
          set({ saveStatus: "error", saveMessage: describeError(err) });
        }
      }
    }

    function save(): Promise<void> {
      if (!inFlight) {
        inFlight = saveOnce().finally(() => {
          inFlight = null;
          const s = get();
          if (s.saveStatus === "unsaved") s.scheduleSave();
        });
      }
      return inFlight;
    }

    return {
      draftId: null,
      workspace: "",
      revision: undefined,
      savedVersion: 0,
      saveStatus: "saved",
      saveMessage: "",
      rescued: null,

      openDraft(draft) {
        cancelTimer();
        get().loadDocument(asDocument(draft.document));
        const name = draft.name || get().meta.name;
        set((s) => ({
          draftId: draft.id,
          workspace: draft.workspace,
          revision: draft.revision,
          meta: { ...s.meta, name },
          savedVersion: s.docVersion,
          saveStatus: "saved",
          saveMessage: "",
          pasteCount: 0,
        }));
        get().clearHistory();
        const rescued = readUnsaved(draft.id);
        const differs = rescued && JSON.stringify(rescued.document) !== JSON.stringify(get().toDocument());
        if (rescued && !differs) forgetUnsaved(draft.id);
        set({ rescued: differs ? rescued : null });
        get().refreshAnalysis();
      },
      keepIfUnsaved() {
        const s = get();
        if (s.draftId !== null && s.hasUnsavedEdits()) keepUnsaved(s.draftId, s.toDocument());
      },
      restoreRescued() {
        const rescued = get().rescued;
        if (!rescued) return;
        set({ rescued: null });
        get().record(); // undo goes back to the saved version
        get().loadDocument(rescued.document);
        get().documentChanged();
      },
      discardRescued() {
        const id = get().draftId;
        if (id !== null) forgetUnsaved(id);
        set({ rescued: null });
      },
      scheduleSave() {
        const s = get();
        if (s.saveStatus === "conflict") return;
        if (s.saveStatus !== "saving") set({ saveStatus: "unsaved" });
        cancelTimer();
        timer = setTimeout(() => {
          timer = null;
          if (!inFlight) void save(); // an edit made during a save is saved when that save ends
        }, AUTOSAVE_DELAY_MS);
      },
      async flush() {
        cancelTimer();
        for (let attempt = 0; attempt < 5; attempt++) {
          if (inFlight) await inFlight;
          const s = get();
          if (s.saveStatus === "conflict") return false;
          if (s.docVersion === s.savedVersion) {
            if (s.saveStatus !== "saved") set({ saveStatus: "saved" });
            return true;
          }
          await save();
          cancelTimer();
          if (get().saveStatus === "error") return false;
        }
        return get().docVersion === get().savedVersion;
      },
      async reloadTheirs() {
        const id = get().draftId;
        if (id === null) return;
        cancelTimer();
        get().openDraft(await api.loadDraft(id));
      },
      async overwriteMine() {
        const id = get().draftId;
        if (id === null) return;
        const current = await api.loadDraft(id);
        set({ revision: current.revision, saveStatus: "unsaved", saveMessage: "" });
        await get().flush();
      },
      hasUnsavedEdits() {
        const s = get();
        return s.docVersion !== s.savedVersion || s.saveStatus === "saving";
      },
    };
  };
}
