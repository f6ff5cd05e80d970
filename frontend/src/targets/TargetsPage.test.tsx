import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";

const server = await vi.hoisted(() => import("../home/testServer").then((m) => m.installFetchMock()));

import { json, renderAt, WORKSPACES } from "../home/testServer";
import { toSettings } from "./TargetForm";
import { describeSettings } from "./targetsApi";
import { TargetsPage } from "./TargetsPage";

const row = (id: number, name: string, kind: string, settings: Record<string, unknown>) => ({
  id,
  workspace: "lab",
  name,
  kind,
  settings,
  created_by: "ada",
  created_at: "2026-12-01T07:00:00Z",
  updated_at: "2026-12-01T07:00:00Z",
});

let rows: ReturnType<typeof row>[] = [];

beforeEach(() => {
  server.reset();
  rows = [row(1, "solo", "local", { concurrency: 1 })];
  server.on("GET /api/v1/targets/", () => ({
    builtin: [{ name: "local", kind: "local", settings: { concurrency: 4 } }],
    targets: rows,
  }));
});

const renderPage = () => renderAt(<TargetsPage />, { path: "/targets", url: "/targets" });

describe("TargetsPage", () => {
  it("lists the built-in target, which cannot be removed, and the workspace's own", async () => {
    renderPage();
    const table = await screen.findByRole("table");
    const body = within(table).getAllByRole("row").slice(1);
    expect(body.map((r) => r.getAttribute("data-target"))).toEqual(["local", "solo"]);
    expect(within(body[0]).getByText("always there")).toBeInTheDocument();
    expect(within(body[0]).queryByRole("button")).toBeNull();
    expect(within(body[1]).getByText("concurrency 1")).toBeInTheDocument();
    expect(within(body[1]).getByRole("button", { name: "Remove solo" })).toBeInTheDocument();
    expect(server.calls("GET /api/v1/targets/")[0].url).toContain("workspace=lab");
  });

  it("adds a docker target with its limits, numbers as numbers and no network unless asked", async () => {
    const posted: unknown[] = [];
    server.on("POST /api/v1/targets/", async (request) => {
      const body = await request.json();
      posted.push(body);
      return json(row(2, body.name, body.kind, body.settings), 201);
    });
    renderPage();
    const user = userEvent.setup();
    await user.type(await screen.findByLabelText("Name"), "box");
    await user.selectOptions(screen.getByLabelText("Kind"), "docker");
    await user.type(screen.getByLabelText("Image"), "graphwright-step:latest");
    await user.type(screen.getByLabelText("Memory (MB)"), "512");
    await user.click(screen.getByRole("button", { name: "Add target" }));
    await waitFor(() =>
      expect(posted).toEqual([
        { workspace: "lab", name: "box", kind: "docker", settings: { image: "graphwright-step:latest", memory_mb: 512, network: false } },
      ]),
    );
  });

  it("says which setting the server refused", async () => {
    server.on("POST /api/v1/targets/", () =>
      json({ errors: [{ code: "out_of_range", field: "settings.concurrency", message: "local target: concurrency is from 1 to 64, not 99" }] }, 400),
    );
    renderPage();
    const user = userEvent.setup();
    await user.type(await screen.findByLabelText("Name"), "big");
    const concurrency = screen.getByLabelText("Concurrency");
    await user.clear(concurrency);
    await user.type(concurrency, "99");
    await user.click(screen.getByRole("button", { name: "Add target" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("concurrency is from 1 to 64, not 99");
  });

  it("edits a target's settings and removes one", async () => {
    const patches: unknown[] = [];
    server.on("PATCH /api/v1/targets/1/", async (request) => {
      const body = await request.json();
      patches.push(body);
      return row(1, "solo", "local", body.settings);
    });
    server.on("DELETE /api/v1/targets/1/", () => new Response(null, { status: 204 }));
    vi.spyOn(window, "confirm").mockReturnValue(true);
    renderPage();
    const user = userEvent.setup();
    await user.click(await screen.findByRole("button", { name: "Edit solo" }));
    const form = screen.getByRole("form", { name: "Settings of solo" });
    const field = within(form).getByLabelText("Concurrency");
    await user.clear(field);
    await user.type(field, "3");
    await user.click(within(form).getByRole("button", { name: "Save" }));
    await waitFor(() => expect(patches).toEqual([{ settings: { concurrency: 3 } }]));
    await user.click(screen.getByRole("button", { name: "Remove solo" }));
    await waitFor(() => expect(server.calls("DELETE /api/v1/targets/1/")).toHaveLength(1));
  });

  it("shows a viewer the targets without the form or the controls", async () => {
    server.on("GET /api/v1/workspaces/", () => [{ ...WORKSPACES[0], role: "viewer" }]);
    renderPage();
    await screen.findByRole("table");
    expect(screen.queryByLabelText("Name")).toBeNull();
    expect(screen.queryByRole("button", { name: /Remove|Edit/ })).toBeNull();
    expect(screen.getByText(/only its editors and owners/)).toBeInTheDocument();
  });

  it("summarises settings and builds them from the fields", () => {
    expect(describeSettings("celery", { queue: "gpu" })).toBe("queue gpu");
    expect(describeSettings("docker", { image: "x", cpus: 2, memory_mb: 512, pids: 64, network: true })).toBe(
      "image x · 2 CPU · 512 MB · 64 pids · network on",
    );
    expect(toSettings("local", { concurrency: " 2 " })).toEqual({ concurrency: 2 });
    expect(toSettings("docker", { image: "x", cpus: "", network: true })).toEqual({ image: "x", network: true });
  });
});
