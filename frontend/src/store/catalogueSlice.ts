// The module catalogue the canvas draws nodes from (loaded by the page through TanStack Query).
import type { StateCreator } from "zustand";
import type { ModuleSpec } from "../api/types";
import { EMPTY_INDEX, indexModules, type ModuleIndex } from "./catalogue";
import type { DesignerState } from "./designerStore";

export interface CatalogueSlice {
  modules: ModuleIndex;
  setModules(modules: readonly ModuleSpec[]): void;
}

export const createCatalogueSlice: StateCreator<DesignerState, [], [], CatalogueSlice> = (set) => ({
  modules: EMPTY_INDEX,
  setModules(modules) {
    set({ modules: indexModules(modules) });
  },
});
