// The submit dialog's plan shown on the canvas: which nodes will run and which will be reused, and why.
import type { StateCreator } from "zustand";
import type { DesignerState } from "./designerStore";

export interface PlanMark {
  node_id: string;
  action: "run" | "reuse";
  reason: string;
}

export interface PlanSlice {
  plan: Record<string, PlanMark> | null;
  setPlan(marks: PlanMark[] | null): void;
}

export const createPlanSlice: StateCreator<DesignerState, [], [], PlanSlice> = (set) => ({
  plan: null,
  setPlan(marks) {
    set({ plan: marks ? Object.fromEntries(marks.map((m) => [m.node_id, m])) : null });
  },
});
