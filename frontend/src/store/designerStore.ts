// The designer's canvas store, built from small slices (one concern each): graph, history,
// clipboard, autosave, validation, plan marks and the module catalogue.
import { createContext, useContext } from "react";
import { useStore } from "zustand";
import { createStore, type StoreApi } from "zustand/vanilla";
import { createAutosaveSlice, type AutosaveSlice } from "./autosaveSlice";
import { createCatalogueSlice, type CatalogueSlice } from "./catalogueSlice";
import { createClipboardSlice, type ClipboardSlice } from "./clipboardSlice";
import { createGraphSlice, type GraphSlice } from "./graphSlice";
import { createHistorySlice, type HistorySlice } from "./historySlice";
import { createPlanSlice, type PlanSlice } from "./planSlice";
import type { DesignerApi } from "./types";
import { createValidationSlice, type ValidationSlice } from "./validationSlice";

export type DesignerState = GraphSlice &
  HistorySlice &
  ClipboardSlice &
  AutosaveSlice &
  ValidationSlice &
  PlanSlice &
  CatalogueSlice;

export type DesignerStore = StoreApi<DesignerState>;

export function createDesignerStore(api: DesignerApi): DesignerStore {
  return createStore<DesignerState>()((...a) => ({
    ...createGraphSlice(...a),
    ...createHistorySlice(...a),
    ...createClipboardSlice(...a),
    ...createAutosaveSlice(api)(...a),
    ...createValidationSlice(api)(...a),
    ...createPlanSlice(...a),
    ...createCatalogueSlice(...a),
  }));
}

export const DesignerStoreContext = createContext<DesignerStore | null>(null);

export function useDesignerStoreApi(): DesignerStore {
  const store = useContext(DesignerStoreContext);
  if (!store) throw new Error("useDesigner needs a DesignerStoreContext provider");
  return store;
}

/** A narrow read of the designer store; components re-render only when their slice of it changes. */
export function useDesigner<T>(selector: (s: DesignerState) => T): T {
  return useStore(useDesignerStoreApi(), selector);
}
