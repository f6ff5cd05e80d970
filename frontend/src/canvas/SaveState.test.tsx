import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { DesignerStoreContext } from "../store/designerStore";
import { LOAD, openStore } from "../store/testing";
import { ConflictBanner, SaveState } from "./SaveState";

describe("save state", () => {
  it("says unsaved, then offers both ways out of a conflict", async () => {
    const { store, server } = openStore();
    render(
      <DesignerStoreContext.Provider value={store}>
        <SaveState />
        <ConflictBanner />
      </DesignerStoreContext.Provider>,
    );
    expect(screen.getByRole("status")).toHaveTextContent("All changes saved");
    server.revision = 9; // someone else saved
    store.getState().addNode(LOAD, { x: 0, y: 0 });
    expect(await screen.findByText("Unsaved changes")).toBeInTheDocument();
    await store.getState().flush();
    expect(await screen.findByRole("alert")).toHaveTextContent("saved by someone else");
    await userEvent.setup().click(screen.getByRole("button", { name: "Overwrite with mine" }));
    expect(await screen.findByText("All changes saved")).toBeInTheDocument();
    expect(screen.queryByRole("alert")).toBeNull();
    expect(server.saves.at(-1)!.revision).toBe(9);
  });
});
