// Validation of the saved draft after edits (debounced; autosave asks once a save lands), and the
// inferred column schemas of every node's ports, fetched at the same moment.
import type { StateCreator } from "zustand";
import type { NodeSchemas } from "../api/types";
import type { DesignerState } from "./designerStore";
import { indexErrors, keepUnchanged, NO_ERRORS, type ErrorIndex } from "./errorIndex";
import type { DesignerApi } from "./types";

export const ANALYSIS_DELAY_MS = 300;

export interface ValidationSlice {
  errors: ErrorIndex;
  schemas: Record<string, NodeSchemas>;
  validating: boolean;
  validationMessage: string;
  refreshAnalysis(): void;
  runAnalysis(): Promise<void>;
}

export function createValidationSlice(api: DesignerApi): StateCreator<DesignerState, [], [], ValidationSlice> {
  return (set, get) => {
    let timer: ReturnType<typeof setTimeout> | null = null;
    let generation = 0;
    return {
      errors: NO_ERRORS,
      schemas: {},
      validating: false,
      validationMessage: "",
      refreshAnalysis() {
        if (timer !== null) clearTimeout(timer);
        timer = setTimeout(() => {
          timer = null;
          void get().runAnalysis();
        }, ANALYSIS_DELAY_MS);
      },
      async runAnalysis() {
        const id = get().draftId;
        if (id === null) return;
        const mine = ++generation;
        set({ validating: true });
        const [errors, schemas] = await Promise.allSettled([api.validate(id), api.schemas(id)]);
        if (mine !== generation || get().draftId !== id) return; // a newer answer is coming
        const next: Partial<ValidationSlice> = { validating: false, validationMessage: "" };
        if (errors.status === "fulfilled") next.errors = keepUnchanged(get().errors, indexErrors(errors.value));
        else next.validationMessage = `Could not check the pipeline: ${String(errors.reason?.message ?? errors.reason)}`;
        if (schemas.status === "fulfilled") next.schemas = schemas.value.nodes ?? {};
        set(next);
      },
    };
  };
}
