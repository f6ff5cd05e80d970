import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";

const server = await vi.hoisted(() => import("../home/testServer").then((m) => m.installFetchMock()));

import { RunsPage } from "../pages/RunsPage";
import { json, page, renderAt } from "../home/testServer";

const run = (id: number, fields: Record<string, unknown> = {}) => ({
  id,
  workspace: "lab",
  version: 3,
  version_name: "Churn model",
  status: "succeeded",
  params: {},
  force: false,
  error: "",
  created_by: "ada",
  created_at: "2026-01-02T10:00:00Z",
  started_at: "2026-01-02T10:00:01Z",
  finished_at: "2026-01-02T10:00:43Z",
  ...fields,
});

let runs: ReturnType<typeof run>[] = [];

beforeEach(() => {
  server.reset();
  runs = [
    run(12, { experiment: "baseline", pipeline_name: "Churn model", draft: 4, version_number: 3, duration: 42 }),
    run(11, { status: "failed", experiment: "tuned", draft: 5, pipeline_name: "Forecast", duration: 3.5 }),
  ];
  server.on("GET /api/v1/runs/", (_req, url) => {
    const q = url.searchParams;
    const matching = runs.filter(
      (r) =>
        (!q.get("status") || r.status === q.get("status")) &&
        (!q.get("experiment") || (r as { experiment?: string }).experiment === q.get("experiment")) &&
        (!q.get("pipeline") || String((r as { draft?: number }).draft) === q.get("pipeline")),
    );
    return page(matching);
  });
  server.on("GET /api/v1/experiments/", () => ({
    results: [
      { name: "tuned", runs: 1, last_run_at: "2026-01-02T10:00:00Z" },
      { name: "baseline", runs: 1, last_run_at: "2026-01-02T10:00:00Z" },
    ],
  }));
  server.on("GET /api/v1/drafts/", () =>
    page([
      { id: 4, name: "Churn model" },
      { id: 5, name: "Forecast" },
    ]),
  );
});

const lastRunsQuery = () => new URL(server.calls("GET /api/v1/runs/").at(-1)!.url).searchParams;
const renderRuns = (url = "/runs") => renderAt(<RunsPage />, { path: "/runs", url });

describe("RunsPage", () => {
  it("lists runs with status, pipeline, experiment, who, when and duration, linking to each run", async () => {
    renderRuns();
    const link = await screen.findByRole("link", { name: "Run 12 of Churn model v3" });
    expect(link).toHaveAttribute("href", "/runs/12");
    const row = link.closest("tr")!;
    expect(row).toHaveTextContent("succeeded");
    expect(row).toHaveTextContent("baseline");
    expect(row).toHaveTextContent("ada");
    expect(row).toHaveTextContent("42.0 s");
    expect(screen.getByRole("link", { name: "Run 11 of Forecast" }).closest("tr")).toHaveTextContent("3.5 s");
    expect(lastRunsQuery().get("workspace")).toBe("lab");
    const experiments = server.calls("GET /api/v1/experiments/");
    expect(new URL(experiments[0].url).searchParams.get("workspace")).toBe("lab");
  });

  it("reads its filters from the URL, so a reload shows the same list", async () => {
    renderRuns("/runs?pipeline=5&experiment=tuned&status=failed");
    await screen.findByRole("link", { name: "Run 11 of Forecast" });
    expect(screen.queryByRole("link", { name: /Run 12/ })).not.toBeInTheDocument();
    const query = lastRunsQuery();
    expect([query.get("pipeline"), query.get("experiment"), query.get("status")]).toEqual(["5", "tuned", "failed"]);
    await waitFor(() => expect(screen.getByRole("combobox", { name: "Pipeline" })).toHaveValue("5"));
    expect(screen.getByRole("combobox", { name: "Experiment" })).toHaveValue("tuned");
    expect(screen.getByRole("combobox", { name: "Status" })).toHaveValue("failed");
  });

  it("writes a chosen filter into the URL and asks the server for it", async () => {
    renderRuns("/runs?offset=50");
    await screen.findByRole("link", { name: /Run 12/ });
    await userEvent.selectOptions(screen.getByRole("combobox", { name: "Status" }), "failed");
    await waitFor(() => expect(screen.getByTestId("location")).toHaveTextContent("/runs?status=failed"));
    await waitFor(() => expect(lastRunsQuery().get("status")).toBe("failed"));
    expect(lastRunsQuery().get("offset")).toBe("0"); // a new filter starts at the first page
    await userEvent.selectOptions(await screen.findByRole("combobox", { name: "Experiment" }), "tuned");
    await waitFor(() =>
      expect(screen.getByTestId("location")).toHaveTextContent("/runs?experiment=tuned&status=failed"),
    );
    await userEvent.selectOptions(screen.getByRole("combobox", { name: "Pipeline" }), "Forecast");
    await waitFor(() => expect(screen.getByTestId("location")).toHaveTextContent("pipeline=5"));
    await userEvent.click(screen.getByRole("button", { name: "Clear filters" }));
    await waitFor(() => expect(screen.getByTestId("location")).toHaveTextContent(/^\/runs$/));
  });

  it("pages through many runs with the page in the URL", async () => {
    runs = Array.from({ length: 120 }, (_, i) => run(200 - i));
    server.on("GET /api/v1/runs/", (_req, url) => {
      const offset = Number(url.searchParams.get("offset"));
      const limit = Number(url.searchParams.get("limit"));
      return page(runs.slice(offset, offset + limit), runs.length);
    });
    renderRuns();
    expect(await screen.findByText("1–50 of 120")).toBeInTheDocument();
    await userEvent.click(screen.getByRole("button", { name: "Next" }));
    await waitFor(() => expect(screen.getByTestId("location")).toHaveTextContent("/runs?offset=50"));
    expect(await screen.findByText("51–100 of 120")).toBeInTheDocument();
    expect(screen.getByRole("link", { name: "Run 150 of Churn model" })).toBeInTheDocument();
  });

  it("says when no run matches the filters", async () => {
    renderRuns("/runs?status=cancelled");
    expect(await screen.findByText("No run matches these filters.")).toBeInTheDocument();
  });

  it("shows the server's message when the runs cannot be loaded", async () => {
    server.on("GET /api/v1/runs/", () =>
      json({ errors: [{ code: "invalid", message: "unknown experiment filter" }] }, 400),
    );
    renderRuns();
    expect(await screen.findByRole("alert")).toHaveTextContent("Could not load the runs: unknown experiment filter");
  });
});
