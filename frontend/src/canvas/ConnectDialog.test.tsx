import { cleanup, render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { DesignerStoreContext } from "../store/designerStore";
import { LOAD, SPLIT, module, openStore } from "../store/testing";
import { ConnectDialog } from "./ConnectDialog";

const TRAIN = module("train", [["learner", "UntrainedModel"]], [["model", "Model"]], "Train Model");

function setup() {
  const { store } = openStore();
  store.getState().setModules([LOAD, SPLIT, TRAIN]);
  const load = store.getState().addNode(LOAD, { x: 0, y: 0 });
  store.getState().addNode(SPLIT, { x: 0, y: 100 });
  const onClose = vi.fn();
  render(
    <DesignerStoreContext.Provider value={store}>
      <ConnectDialog sourceId={load} onClose={onClose} />
    </DesignerStoreContext.Provider>,
  );
  return { store, onClose };
}

describe("ConnectDialog", () => {
  it("is a named dialog that takes the focus and connects by keyboard", async () => {
    const { store, onClose } = setup();
    const dialog = screen.getByRole("dialog", { name: "Connect Load Data" });
    expect(dialog).toContainElement(document.activeElement as HTMLElement);
    await userEvent.setup().keyboard("{Enter}");
    expect(store.getState().edges).toHaveLength(1);
    expect(onClose).toHaveBeenCalled();
  });

  it("refuses what the canvas refuses, with the same reason", async () => {
    const { store } = setup();
    store.getState().addNode(TRAIN, { x: 0, y: 200 });
    cleanup();
    const onClose = vi.fn();
    render(
      <DesignerStoreContext.Provider value={store}>
        <ConnectDialog sourceId="load_1" onClose={onClose} />
      </DesignerStoreContext.Provider>,
    );
    const user = userEvent.setup();
    await user.selectOptions(screen.getByRole("combobox", { name: "To node" }), "train_1");
    expect(screen.getByRole("status")).toHaveTextContent("DataFrame output cannot feed an UntrainedModel input");
    await user.click(screen.getByRole("button", { name: "Connect" }));
    expect(store.getState().edges).toHaveLength(0);
    expect(onClose).not.toHaveBeenCalled();
  });
});
