import { describe, expect, it } from "vitest";
import { render, screen, within } from "@testing-library/react";
import { ErrorView } from "./StepTexts";

describe("ErrorView", () => {
  it("names the failure's class and lists each attempt with its own", () => {
    render(
      <ErrorView
        error="the step's worker was lost 3 times"
        traceback=""
        reason="lost"
        failure="lost"
        attempts={[
          { number: 1, status: "failed", reason: "signal", failure: "lost" },
          { number: 2, status: "failed", reason: "infrastructure", failure: "infrastructure" },
          { number: 3, status: "failed", reason: "lost", failure: "lost" },
        ]}
        title="Sleep"
      />,
    );
    expect(screen.getByText("Failure class: lost")).toBeTruthy();
    const items = within(screen.getByRole("list", { name: "Attempts of Sleep" })).getAllByRole("listitem");
    expect(items.map((li) => li.textContent)).toEqual([
      "Attempt 1: failed (lost: signal)",
      "Attempt 2: failed (infrastructure)",
      "Attempt 3: failed (lost)",
    ]);
  });

  it("shows no attempt list for a step that failed once, and reads user code as words", () => {
    render(
      <ErrorView
        error="ValueError: no"
        traceback=""
        reason="error"
        failure="user_code"
        attempts={[{ number: 1, status: "failed", reason: "error", failure: "user_code" }]}
        title="Script"
      />,
    );
    expect(screen.getByText("Failure class: user code")).toBeTruthy();
    expect(screen.queryByRole("list", { name: "Attempts of Script" })).toBeNull();
  });
});
