// The clipboard actions of the canvas: copy the selection, paste it (one history entry).
import type { StateCreator } from "zustand";
import { copyOf, pasteOf, PASTE_OFFSET, readClipboard, writeClipboard } from "./clipboard";
import type { DesignerState } from "./designerStore";

export interface ClipboardSlice {
  /** How many times the current clipboard was pasted here, so repeated pastes step further. */
  pasteCount: number;
  copySelection(): boolean;
  cutSelection(): boolean;
  paste(): number;
}

export const createClipboardSlice: StateCreator<DesignerState, [], [], ClipboardSlice> = (set, get) => ({
  pasteCount: 0,
  copySelection() {
    const data = copyOf(get().nodes, get().edges);
    if (!data) return false;
    writeClipboard(data);
    set({ pasteCount: 0 });
    return true;
  },
  cutSelection() {
    if (!get().copySelection()) return false;
    get().deleteSelection();
    return true;
  },
  paste() {
    const data = readClipboard();
    if (!data || data.nodes.length === 0) return 0;
    const count = get().pasteCount + 1;
    const { nodes, edges } = pasteOf(data, get().nodes.map((n) => n.id), PASTE_OFFSET * count);
    get().insertFragment(nodes, edges);
    set({ pasteCount: count });
    return nodes.length;
  },
});
