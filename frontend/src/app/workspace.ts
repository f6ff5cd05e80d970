// Which workspace the app shows: the user's choice, kept across reloads (localStorage).
import { create } from "zustand";
import { persist } from "zustand/middleware";

interface WorkspaceState {
  workspaceId: number | null;
  setWorkspace: (id: number) => void;
}

export const useWorkspaceStore = create<WorkspaceState>()(
  persist((set) => ({ workspaceId: null, setWorkspace: (id) => set({ workspaceId: id }) }), {
    name: "graphwright.workspace",
  }),
);
