// Keyboard shortcuts of the designer: delete, copy/cut/paste, undo/redo, select all, edit a label
// or comment, clear the selection. Keys typed into a field or a dialog stay with it.
import { useEffect, type RefObject } from "react";
import type { DesignerStore } from "../store/designerStore";
import { useEditing } from "./editing";

function typingInto(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.closest("input, textarea, select, [contenteditable=true], .cm-editor, [role=dialog]")) return true;
  return false;
}

/** Whether a key event happened where canvas shortcuts apply (the canvas, the page, a toolbar). */
function forCanvas(event: KeyboardEvent, scope: HTMLElement | null): boolean {
  if (typingInto(event.target)) return false;
  const target = event.target as HTMLElement | null;
  if (!target || target === document.body) return true;
  return !!scope && scope.contains(target) && !target.closest(".gw-side-panel");
}

export function handleCanvasKey(event: KeyboardEvent, store: DesignerStore): boolean {
  const s = store.getState();
  const mod = event.ctrlKey || event.metaKey;
  const key = event.key.toLowerCase();
  if (!mod && (event.key === "Delete" || event.key === "Backspace")) {
    s.deleteSelection();
    return true;
  }
  if (mod && key === "z") {
    if (event.shiftKey) s.redo();
    else s.undo();
    return true;
  }
  if (mod && key === "y") {
    s.redo();
    return true;
  }
  if (mod && key === "c") return s.copySelection();
  if (mod && key === "x") return s.cutSelection();
  if (mod && key === "v") return s.paste() > 0;
  if (mod && key === "a") {
    s.selectOnly(s.nodes.map((n) => n.id));
    return true;
  }
  if (event.key === "F2") {
    const selected = s.nodes.filter((n) => n.selected);
    if (selected.length !== 1) return false;
    useEditing.getState().start(selected[0].id, event.shiftKey ? "comment" : "label");
    return true;
  }
  if (event.key === "Escape" && s.nodes.some((n) => n.selected)) {
    s.selectOnly([]);
    return true;
  }
  return false;
}

export function useCanvasKeys(store: DesignerStore, scope: RefObject<HTMLElement | null>) {
  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      if (!forCanvas(event, scope.current)) return;
      if (handleCanvasKey(event, store)) event.preventDefault();
    };
    document.addEventListener("keydown", onKeyDown);
    return () => document.removeEventListener("keydown", onKeyDown);
  }, [store, scope]);
}
