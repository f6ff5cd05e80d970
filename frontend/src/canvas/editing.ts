// Which node text is being edited in place on the canvas (a label or a comment), if any.
import { create } from "zustand";

export type EditedField = "label" | "comment";

interface EditingState {
  target: { nodeId: string; field: EditedField } | null;
  start(nodeId: string, field: EditedField): void;
  stop(): void;
}

export const useEditing = create<EditingState>((set) => ({
  target: null,
  start: (nodeId, field) => set({ target: { nodeId, field } }),
  stop: () => set({ target: null }),
}));
