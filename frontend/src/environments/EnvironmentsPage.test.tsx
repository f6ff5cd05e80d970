import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import { vi } from "vitest";

const server = await vi.hoisted(() => import("../home/testServer").then((m) => m.installFetchMock()));

import { json, renderAt } from "../home/testServer";
import { environmentChoices, parsePackages } from "./environmentsApi";
import { EnvironmentsPage } from "./EnvironmentsPage";

const row = (id: number, name: string, version: number, packages: string[], status: string, error = "") => ({
  id,
  workspace: "lab",
  name,
  version,
  reference: `${name}@${version}`,
  packages,
  base_image: "",
  content_hash: "a".repeat(64),
  build: { content_hash: "a".repeat(64), status, error, host: "h", started_at: null, finished_at: null },
  created_by: "ada",
  created_at: "2026-12-01T07:00:00Z",
});

let rows: ReturnType<typeof row>[] = [];

beforeEach(() => {
  server.reset();
  rows = [row(2, "tiny", 2, ["gwtiny==2.0"], "building"), row(1, "bad", 1, ["nope"], "failed", "package 'nope' was not found")];
  server.on("GET /api/v1/environments/", () => rows);
  server.on("GET /api/v1/environments/2/", () => ({ ...rows[0], build: { ...rows[0].build, log: "Collecting gwtiny==2.0" } }));
});

const renderPage = () => renderAt(<EnvironmentsPage />, { path: "/environments", url: "/environments" });

describe("EnvironmentsPage", () => {
  it("lists each version with its build status, a failed build's message and its log", async () => {
    renderPage();
    const table = await screen.findByRole("table");
    const body = within(table).getAllByRole("row").slice(1);
    expect(body.map((r) => r.getAttribute("data-status"))).toEqual(["building", "failed"]);
    expect(within(body[1]).getByRole("alert")).toHaveTextContent("package 'nope' was not found");
    expect(within(body[1]).getByRole("button", { name: "Rebuild bad@1" })).toBeInTheDocument();
    expect(within(body[0]).queryByRole("button", { name: "Rebuild tiny@2" })).toBeNull();
    await userEvent.setup().click(within(body[0]).getByRole("button", { name: "Log of tiny@2" }));
    expect(await screen.findByLabelText("Build log of tiny@2")).toHaveTextContent("Collecting gwtiny==2.0");
  });

  it("creates an environment from one requirement a line and shows the server's refusal", async () => {
    const posted: unknown[] = [];
    server.on("POST /api/v1/environments/", async (request) => {
      const body = await request.json();
      posted.push(body);
      if (body.name === "dup") return json({ errors: [{ field: "name", code: "name_taken", message: "named 'dup' already" }] }, 400);
      return json(row(3, body.name, 1, body.packages, "queued"), 201);
    });
    renderPage();
    const user = userEvent.setup();
    await user.type(await screen.findByLabelText("Name"), "fresh");
    await user.type(screen.getByLabelText(/Packages/), "six==1.16.0{enter}# a comment{enter}{enter}requests>=2");
    await user.click(screen.getByRole("button", { name: "Create environment" }));
    await waitFor(() =>
      expect(posted).toEqual([{ workspace: "lab", name: "fresh", packages: ["six==1.16.0", "requests>=2"], base_image: "" }]),
    );
    await user.type(screen.getByLabelText("Name"), "dup");
    await user.click(screen.getByRole("button", { name: "Create environment" }));
    expect(await screen.findByText(/named 'dup' already/)).toBeInTheDocument();
  });
});

describe("environment choices", () => {
  it("offers each name (its newest version) and each name@version", () => {
    expect(environmentChoices([{ name: "b", reference: "b@1" }, { name: "a", reference: "a@2" }, { name: "a", reference: "a@1" }]))
      .toEqual(["a", "b", "a@1", "a@2", "b@1"]);
    expect(parsePackages(" six \n\n# x\nnumpy<2 # pinned")).toEqual(["six", "numpy<2"]);
  });
});
