import { fireEvent, render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { MODULE_DRAG_TYPE } from "../canvas/dnd";
import { LOAD, SPLIT } from "../store/testing";
import { Palette } from "./Palette";

describe("Palette", () => {
  it("lists modules as named buttons and shows help on keyboard focus", async () => {
    const onAdd = vi.fn();
    render(<Palette modules={[LOAD, SPLIT]} onAdd={onAdd} />);
    const user = userEvent.setup();
    await user.tab(); // the search box
    await user.tab();
    const entry = screen.getByRole("button", { name: "Add Load Data" });
    expect(entry).toHaveFocus();
    const help = screen.getByRole("tooltip");
    expect(help).toHaveTextContent("Load Data help");
    expect(help).toHaveTextContent("DataFrame");
    expect(entry).toHaveAttribute("aria-describedby", help.id);
    await user.keyboard("{Enter}");
    expect(onAdd).toHaveBeenCalledWith(LOAD);
  });

  it("shows help on hover and filters by search", async () => {
    render(<Palette modules={[LOAD, SPLIT]} onAdd={() => {}} />);
    const user = userEvent.setup();
    await user.hover(screen.getByRole("button", { name: "Add Split Data" }));
    expect(screen.getByRole("tooltip")).toHaveTextContent("Split Data help");
    await user.type(screen.getByRole("searchbox", { name: "Search modules" }), "split");
    expect(screen.queryByRole("button", { name: "Add Load Data" })).toBeNull();
  });

  it("puts the module on the drag for the canvas to drop", () => {
    render(<Palette modules={[LOAD]} onAdd={() => {}} />);
    const data = new Map<string, string>();
    const dataTransfer = { setData: (k: string, v: string) => data.set(k, v), effectAllowed: "" };
    fireEvent.dragStart(screen.getByRole("button", { name: "Add Load Data" }), { dataTransfer });
    expect(data.get(MODULE_DRAG_TYPE)).toBe("load@1");
  });
});
