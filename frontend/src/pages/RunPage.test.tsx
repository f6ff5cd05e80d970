import { callsTo, json, serve } from "../properties/testing/mockFetch";
import { act, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { MemoryRouter, Route, Routes } from "react-router-dom";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { RunPage } from "./RunPage";

/** The page's WebSocket, driven by the test. */
class MockSocket {
  static all: MockSocket[] = [];
  readyState = 1;
  onmessage: ((e: MessageEvent) => void) | null = null;
  onclose: ((e: CloseEvent) => void) | null = null;
  constructor(readonly url: string) {
    MockSocket.all.push(this);
  }
  send(frame: object) {
    act(() => this.onmessage?.({ data: JSON.stringify(frame) } as MessageEvent));
  }
  close() {
    this.readyState = 3;
  }
}

beforeAll(() => {
  // jsdom has no layout: what xyflow needs to mount
  globalThis.ResizeObserver ??= class {
    observe() {}
    unobserve() {}
    disconnect() {}
  } as unknown as typeof ResizeObserver;
  (globalThis as { DOMMatrixReadOnly?: unknown }).DOMMatrixReadOnly ??= class {
    m22 = 1;
  };
  globalThis.WebSocket = MockSocket as unknown as typeof WebSocket;
});

const AT = "2026-01-01T00:00:00Z";
const SNAPSHOT = {
  id: 1, workspace: "lab", version: 3, version_name: "Iris", status: "running", params: { fraction: 0.7 },
  force: false, error: "", experiment: "baseline", created_by: "ada", created_at: AT, started_at: AT,
  finished_at: null, seq: 2,
  steps: [
    { node: "load", module: "sample_dataset", status: "succeeded", outputs: {}, duration: 1.2 },
    { node: "split", module: "split_data", status: "running", outputs: {} },
  ],
};
const DOCUMENT = {
  name: "Iris",
  parameters: [{ name: "fraction", kind: "float", default: 0.7, min: 0.1, max: 0.9 }],
  nodes: [
    { id: "load", module: "sample_dataset", position: { x: 0, y: 0 } },
    { id: "split", module: "split_data", position: { x: 0, y: 200 }, params: { fraction: { $param: "fraction" } } },
  ],
  edges: [{ source: "load", source_port: "data", target: "split", target_port: "data" }],
};

beforeEach(() => {
  MockSocket.all = [];
  serve(({ method, url }) => {
    const path = url.pathname;
    if (method === "GET" && path === "/api/v1/runs/1/") return json(SNAPSHOT);
    if (method === "GET" && path === "/api/v1/runs/1/events/") return json({ results: [], next: null });
    if (method === "GET" && path === "/api/v1/versions/3/") {
      return json({ id: 3, workspace: "lab", draft: 8, name: "Iris", digest: "d", created_by: "ada", created_at: AT, document: DOCUMENT, source_document: DOCUMENT });
    }
    if (method === "GET" && path === "/api/v1/modules/") return json([]);
    if (method === "POST" && path === "/api/v1/runs/1/cancel/") return json({ ...SNAPSHOT, status: "cancelled", seq: 5 });
    if (method === "POST" && path === "/api/v1/drafts/") return json({ id: 12 }, 201);
    return undefined;
  });
});

function renderPage() {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(
    <QueryClientProvider client={client}>
      <MemoryRouter initialEntries={["/runs/1"]}>
        <Routes>
          <Route path="/runs/:runId" element={<RunPage />} />
          <Route path="/drafts/:draftId" element={<p>draft page</p>} />
        </Routes>
      </MemoryRouter>
    </QueryClientProvider>,
  );
}

const statusOf = (container: HTMLElement, id: string) =>
  container.querySelector(`[data-node-id='${id}']`)?.getAttribute("data-status");

describe("the run page", () => {
  it("shows the run's header and its pipeline as drawn, following the socket's events", async () => {
    const { container } = renderPage();
    expect(await screen.findByRole("heading", { name: /Iris run #1/ })).toBeInTheDocument();
    await waitFor(() => expect(statusOf(container, "split")).toBe("running"));
    expect(screen.getByText("baseline")).toBeInTheDocument();
    expect(screen.getByText("ada")).toBeInTheDocument();
    expect(statusOf(container, "load")).toBe("succeeded");
    const socket = MockSocket.all[MockSocket.all.length - 1];
    expect(socket.url).toBe(`ws://${window.location.host}/ws/runs/1/`);
    socket.send({ type: "snapshot", seq: 2, run: SNAPSHOT });
    socket.send({ type: "events", seq: 4, events: [
      { type: "step.status", seq: 3, run: 1, at: AT, ts: 1, node: "split", status: "succeeded", duration: 0.5 },
      { type: "run.status", seq: 4, run: 1, at: AT, ts: 2, status: "succeeded" },
    ] });
    expect(statusOf(container, "split")).toBe("succeeded");
    expect(screen.getByText("Succeeded", { selector: "[data-run-status]" })).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Cancel run" })).not.toBeInTheDocument();
  });

  it("cancels a running run after asking", async () => {
    const { container } = renderPage();
    await waitFor(() => expect(statusOf(container, "split")).toBe("running"));
    await userEvent.click(screen.getByRole("button", { name: "Cancel run" }));
    const dialog = screen.getByRole("dialog", { name: "Cancel this run?" });
    expect(callsTo("POST", "/api/v1/runs/1/cancel/")).toHaveLength(0);
    await userEvent.click(within(dialog).getByRole("button", { name: "Cancel run" }));
    await waitFor(() => expect(callsTo("POST", "/api/v1/runs/1/cancel/")).toHaveLength(1));
    await waitFor(() => expect(screen.queryByRole("dialog")).not.toBeInTheDocument());
    expect(screen.getByText("Cancelled", { selector: "[data-run-status]" })).toBeInTheDocument();
  });

  it("opens the run as a new draft holding the document as drawn", async () => {
    renderPage();
    const open = await screen.findByRole("button", { name: "Open as new draft" });
    await waitFor(() => expect(open).toBeEnabled());
    await userEvent.click(open);
    expect(await screen.findByText("draft page")).toBeInTheDocument();
    const [call] = callsTo("POST", "/api/v1/drafts/");
    expect(call.body).toMatchObject({ workspace: "lab", document: DOCUMENT });
  });
});
