// Why a connection is refused, written next to the pointer: live while a wire hovers a port that
// refuses it, and for a few seconds where it was dropped.
import { useConnection } from "@xyflow/react";
import { useEffect } from "react";
import { create } from "zustand";
import { useDesignerStoreApi } from "../store/designerStore";
import { refusalOf } from "./graphView";

export const REFUSAL_SHOWN_MS = 4000;

interface RefusalState {
  refusal: { message: string; x: number; y: number } | null;
  show(message: string, x: number, y: number): void;
  clear(): void;
}

export const useRefusal = create<RefusalState>((set) => ({
  refusal: null,
  show: (message, x, y) => set({ refusal: { message, x, y } }),
  clear: () => set({ refusal: null }),
}));

/** The refusal where a wire was dropped (screen coordinates), gone after a while. */
export function DroppedRefusal() {
  const refusal = useRefusal((s) => s.refusal);
  useEffect(() => {
    if (!refusal) return;
    const timer = setTimeout(() => useRefusal.getState().clear(), REFUSAL_SHOWN_MS);
    return () => clearTimeout(timer);
  }, [refusal]);
  if (!refusal) return null;
  return (
    <div className="gw-refusal" role="alert" style={{ position: "fixed", left: refusal.x + 14, top: refusal.y + 14 }}>
      {refusal.message}
    </div>
  );
}

/** While a wire is drawn: the reason the port under the pointer refuses it (canvas coordinates). */
export function WiringHint() {
  const store = useDesignerStoreApi();
  const hint = useConnection((c) =>
    c.inProgress && c.toHandle && !c.isValid
      ? { message: refusalOf(store.getState(), c), x: c.pointer.x, y: c.pointer.y }
      : null,
  );
  if (!hint?.message) return null;
  return (
    <div className="gw-refusal" aria-hidden="true" style={{ position: "absolute", left: hint.x + 14, top: hint.y + 14, zIndex: 10 }}>
      {hint.message}
    </div>
  );
}
