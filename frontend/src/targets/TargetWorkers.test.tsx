import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { secondsAgo, TargetWorkers } from "./TargetWorkers";
import type { ComputeTarget } from "./targetsApi";

const target = (kind: string, workers: unknown[]): ComputeTarget =>
  ({
    id: 1,
    workspace: "lab",
    name: "farm",
    kind,
    settings: { queue: "farm" },
    workers,
    created_by: "ada",
    created_at: "2026-12-01T07:00:00Z",
    updated_at: "2026-12-01T07:00:00Z",
  }) as unknown as ComputeTarget;

describe("TargetWorkers", () => {
  it("lists each worker with its host, heartbeat and what it runs", () => {
    const beat = new Date(Date.now() - 3000).toISOString();
    render(
      <TargetWorkers
        target={target("celery", [
          { worker: "w1@gpu", host: "gpu", pid: 12, heartbeat_at: beat, running: [{ run: 7, node: "train", module: "train_model" }] },
          { worker: "w2@gpu", host: "gpu", pid: 13, heartbeat_at: beat, running: [] },
        ])}
      />,
    );
    const items = screen.getAllByRole("listitem").map((li) => li.textContent);
    expect(items[0]).toContain("w1@gpu on gpu");
    expect(items[0]).toContain("running train (train_model, run 7)");
    expect(items[1]).toContain("idle");
    expect(items[0]).toMatch(/heartbeat [34] s ago/);
  });

  it("says how to start a worker when none listens, and shows nothing for other kinds", () => {
    const { container, rerender } = render(<TargetWorkers target={target("celery", [])} />);
    expect(container.textContent).toContain("manage.py worker --target farm");
    rerender(<TargetWorkers target={target("docker", [])} />);
    expect(container.textContent).toBe("");
  });

  it("tells seconds since a heartbeat, or unknown", () => {
    expect(secondsAgo("2026-12-01T07:00:00Z", Date.parse("2026-12-01T07:00:09Z"))).toBe("9 s ago");
    expect(secondsAgo("not a date")).toBe("unknown");
  });
});
