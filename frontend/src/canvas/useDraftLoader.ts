// Opens a draft into the store (saving the one shown before), saves on leaving the page, warns
// before the tab closes with unsaved edits, and loads the catalogue and the compute targets.
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { useStore } from "zustand";
import { api, ApiError, unwrap } from "../api/client";
import type { ModuleSpec } from "../api/types";
import type { DesignerStore } from "../store/designerStore";
import type { DesignerApi } from "../store/types";

export type LoadState = { state: "loading" } | { state: "ready" } | { state: "failed"; message: string };

/** Every version of every module a pipeline of `workspace` may use ("": the user's first
 * workspace): built-ins and the workspace's custom modules, with their status and default. */
export function useModules(workspace = "") {
  return useQuery({
    queryKey: ["modules", "all", workspace],
    queryFn: async () =>
      unwrap(await api.GET("/api/v1/modules/", { params: { query: { all: "1", ...(workspace ? { workspace } : {}) } } })) as ModuleSpec[],
    staleTime: 60_000,
    placeholderData: keepPreviousData, // the draft's own workspace replaces the first guess without a gap
  });
}

/** The compute targets a pipeline of `workspace` may name ("": the server's only): the server's
 * and the workspace's own (from the pipeline-document JSON Schema served for it). */
export function useTargets(workspace = ""): string[] {
  const { data } = useQuery({
    queryKey: ["pipeline-document-schema", workspace],
    queryFn: async () =>
      unwrap(
        await api.GET("/api/v1/schemas/pipeline-document/", { params: { query: workspace ? { workspace } : {} } }),
      ) as Record<string, unknown>,
    staleTime: 30_000,
  });
  const target = (data as { $defs?: { node?: { properties?: { target?: { enum?: unknown[] } } } } } | undefined)?.$defs?.node
    ?.properties?.target;
  return (target?.enum ?? []).filter((t): t is string => typeof t === "string");
}

export function useDraftLoader(store: DesignerStore, api: DesignerApi, draftId: number): LoadState {
  const [load, setLoad] = useState<LoadState>({ state: "loading" });
  const workspace = useStore(store, (s) => s.workspace);
  const modules = useModules(workspace);

  useEffect(() => {
    if (modules.data) store.getState().setModules(modules.data);
  }, [modules.data, store]);

  // the draft opens once the catalogue is there: nodes are sized from their modules before drawing
  const catalogueReady = !!modules.data;
  useEffect(() => {
    if (!catalogueReady) return;
    let cancelled = false;
    setLoad({ state: "loading" });
    (async () => {
      try {
        if (store.getState().draftId !== null) await store.getState().flush();
        const draft = await api.loadDraft(draftId);
        if (cancelled) return;
        store.getState().openDraft(draft);
        setLoad({ state: "ready" });
      } catch (err) {
        if (cancelled) return;
        const message =
          err instanceof ApiError && err.status === 404
            ? "This draft does not exist, or it is in a workspace you do not belong to."
            : `The draft could not be loaded: ${err instanceof Error ? err.message : String(err)}`;
        setLoad({ state: "failed", message });
      }
    })();
    return () => {
      cancelled = true;
      // leaving the page (or this draft) saves what is left; what cannot be saved is kept here
      store.getState().keepIfUnsaved();
      void store.getState().flush();
    };
  }, [store, api, draftId, catalogueReady]);

  useEffect(() => {
    const warn = (event: BeforeUnloadEvent) => {
      if (!store.getState().hasUnsavedEdits()) return;
      store.getState().keepIfUnsaved();
      void store.getState().flush();
      event.preventDefault();
      event.returnValue = "";
    };
    window.addEventListener("beforeunload", warn);
    return () => window.removeEventListener("beforeunload", warn);
  }, [store]);

  if (modules.error && load.state !== "failed") {
    return { state: "failed", message: `The module catalogue could not be loaded: ${modules.error.message}` };
  }
  if (load.state === "ready" && !modules.data) return { state: "loading" };
  return load;
}
