import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";

const server = await vi.hoisted(() => import("./testServer").then((m) => m.installFetchMock()));

import { HomePage } from "../pages/HomePage";
import { json, page, renderAt, WORKSPACES } from "./testServer";

const draft = (id: number, name: string) => ({
  id,
  workspace: "lab",
  name,
  description: "",
  revision: 3,
  created_by: "ada",
  created_at: "2026-01-01T00:00:00Z",
  updated_at: "2026-01-02T00:00:00Z",
});

const DOCUMENT = { schema_version: 1, nodes: [{ id: "a", module: "sample_dataset" }], edges: [] };

function withDrafts(drafts: ReturnType<typeof draft>[]) {
  server.on("GET /api/v1/drafts/", () => page(drafts));
}

beforeEach(() => {
  server.reset();
  server.on("GET /api/v1/samples/", () => [
    { key: "iris", name: "Iris sample", description: "Classify irises", document: DOCUMENT },
  ]);
});

const renderHome = () => renderAt(<HomePage />, { path: "/", url: "/" });

describe("HomePage", () => {
  it("lists the current workspace's drafts, each opening its designer", async () => {
    withDrafts([draft(4, "Churn model"), draft(5, "Forecast")]);
    renderHome();
    const link = await screen.findByRole("link", { name: "Churn model" });
    expect(link).toHaveAttribute("href", "/drafts/4");
    expect(screen.getByRole("link", { name: "Runs of Churn model" })).toHaveAttribute("href", "/runs?pipeline=4");
    expect(new URL(server.calls("GET /api/v1/drafts/")[0].url).searchParams.get("workspace")).toBe("lab");
    expect(screen.getByRole("heading", { name: "Pipelines", level: 1 })).toBeInTheDocument();
  });

  it("invites a new pipeline when the workspace has none, and opens the one it makes", async () => {
    withDrafts([]);
    server.on("POST /api/v1/drafts/", async (req) => ({ ...draft(9, (await req.json()).name), document: {} }));
    renderHome();
    const empty = await screen.findByText(/No pipelines in this workspace yet/);
    await userEvent.click(within(empty.parentElement!).getByRole("button", { name: "New pipeline" }));
    await waitFor(() => expect(screen.getByTestId("location")).toHaveTextContent("/drafts/9"));
    expect(await server.calls("POST /api/v1/drafts/")[0].json()).toMatchObject({ workspace: "lab" });
  });

  it("renames a draft inline and refreshes the list", async () => {
    let name = "Churn model";
    server.on("GET /api/v1/drafts/", () => page([draft(4, name)]));
    server.on("PATCH /api/v1/drafts/4/", async (req) => {
      name = (await req.json()).name;
      return { ...draft(4, name), document: {} };
    });
    renderHome();
    await userEvent.click(await screen.findByRole("button", { name: "Rename Churn model" }));
    const input = screen.getByRole("textbox", { name: "New name of Churn model" });
    await userEvent.clear(input);
    await userEvent.type(input, "Churn v2{Enter}");
    expect(await screen.findByRole("link", { name: "Churn v2" })).toBeInTheDocument();
    expect(await server.calls("PATCH /api/v1/drafts/4/")[0].json()).toEqual({ name: "Churn v2" });
  });

  it("cancels a rename with Escape without asking the server", async () => {
    withDrafts([draft(4, "Churn model")]);
    renderHome();
    await userEvent.click(await screen.findByRole("button", { name: "Rename Churn model" }));
    await userEvent.type(screen.getByRole("textbox", { name: "New name of Churn model" }), "x{Escape}");
    expect(screen.getByRole("link", { name: "Churn model" })).toBeInTheDocument();
    expect(server.calls("PATCH /api/v1/drafts/4/")).toHaveLength(0);
  });

  it("shows the server's reason when a rename is refused", async () => {
    withDrafts([draft(4, "Churn model")]);
    server.on("PATCH /api/v1/drafts/4/", () =>
      json({ errors: [{ code: "permission_denied", message: "viewers cannot edit this workspace" }] }, 403),
    );
    renderHome();
    await userEvent.click(await screen.findByRole("button", { name: "Rename Churn model" }));
    await userEvent.type(screen.getByRole("textbox", { name: "New name of Churn model" }), "!{Enter}");
    expect(await screen.findByRole("alert")).toHaveTextContent("viewers cannot edit this workspace");
  });

  it("duplicates a draft: the original's document under '<name> (copy)'", async () => {
    withDrafts([draft(4, "Churn model")]);
    server.on("GET /api/v1/drafts/4/", () => ({ ...draft(4, "Churn model"), description: "d", document: DOCUMENT }));
    server.on("POST /api/v1/drafts/", async (req) => ({ ...draft(10, (await req.json()).name), document: DOCUMENT }));
    renderHome();
    await userEvent.click(await screen.findByRole("button", { name: "Duplicate Churn model" }));
    await waitFor(() => expect(server.calls("POST /api/v1/drafts/")).toHaveLength(1));
    expect(await server.calls("POST /api/v1/drafts/")[0].json()).toEqual({
      workspace: "lab",
      name: "Churn model (copy)",
      description: "d",
      document: { ...DOCUMENT, name: "Churn model (copy)" },
    });
    await waitFor(() => expect(server.calls("GET /api/v1/drafts/").length).toBeGreaterThan(1));
  });

  it("deletes a draft only after the confirmation", async () => {
    let drafts = [draft(4, "Churn model"), draft(5, "Forecast")];
    server.on("GET /api/v1/drafts/", () => page(drafts));
    server.on("DELETE /api/v1/drafts/4/", () => {
      drafts = drafts.filter((d) => d.id !== 4);
      return new Response(null, { status: 204 });
    });
    renderHome();
    await userEvent.click(await screen.findByRole("button", { name: "Delete Churn model" }));
    const dialog = screen.getByRole("alertdialog");
    expect(server.calls("DELETE /api/v1/drafts/4/")).toHaveLength(0);
    await userEvent.click(within(dialog).getByRole("button", { name: "Cancel" }));
    expect(screen.queryByRole("alertdialog")).not.toBeInTheDocument();
    await userEvent.click(screen.getByRole("button", { name: "Delete Churn model" }));
    await userEvent.click(within(screen.getByRole("alertdialog")).getByRole("button", { name: "Delete" }));
    await waitFor(() => expect(screen.queryByRole("link", { name: "Churn model" })).not.toBeInTheDocument());
    expect(screen.getByRole("link", { name: "Forecast" })).toBeInTheDocument();
  });

  it("makes a new draft from a sample and opens it", async () => {
    withDrafts([]);
    server.on("POST /api/v1/drafts/", async (req) => ({ ...draft(11, (await req.json()).name), document: DOCUMENT }));
    renderHome();
    await userEvent.click(await screen.findByRole("button", { name: "New from sample Iris sample" }));
    await waitFor(() => expect(screen.getByTestId("location")).toHaveTextContent("/drafts/11"));
    expect(await server.calls("POST /api/v1/drafts/")[0].json()).toEqual({
      workspace: "lab",
      name: "Iris sample",
      description: "Classify irises",
      document: DOCUMENT,
    });
  });

  it("offers no edits to a viewer of the workspace", async () => {
    server.on("GET /api/v1/workspaces/", () => [{ ...WORKSPACES[0], role: "viewer" }]);
    withDrafts([draft(4, "Churn model")]);
    renderHome();
    await screen.findByRole("link", { name: "Churn model" });
    expect(screen.queryByRole("button", { name: /Rename|Delete|New pipeline/ })).not.toBeInTheDocument();
  });

  it("says why the drafts could not be loaded and retries", async () => {
    server.on("GET /api/v1/drafts/", () => json({ errors: [{ code: "x", message: "database is down" }] }, 503));
    renderHome();
    expect(await screen.findByRole("alert")).toHaveTextContent("Could not load the pipelines: database is down");
    withDrafts([draft(4, "Churn model")]);
    await userEvent.click(screen.getByRole("button", { name: "Try again" }));
    expect(await screen.findByRole("link", { name: "Churn model" })).toBeInTheDocument();
  });
});
