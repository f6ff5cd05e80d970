// Test helpers of the pages: a fetch stand-in that answers API paths from handlers, and a render
// with a fresh query client and router. Install the fetch mock before the API client is imported:
//   const server = await vi.hoisted(() => import("../home/testServer").then((m) => m.installFetchMock()));
import { render } from "@testing-library/react";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import type { ReactElement } from "react";
import { MemoryRouter, Route, Routes, useLocation } from "react-router-dom";
import { vi } from "vitest";

const ORIGIN = "http://localhost";

/** Node's Request refuses a path without an origin (a browser resolves it against the page). */
class PageRequest extends Request {
  constructor(input: RequestInfo | URL, init?: RequestInit) {
    super(typeof input === "string" && input.startsWith("/") ? ORIGIN + input : input, init);
  }
}

export type Handler = (request: Request, url: URL) => unknown;

export function json(body: unknown, status = 200): Response {
  return new Response(body === undefined ? null : JSON.stringify(body), {
    status,
    headers: { "Content-Type": "application/json" },
  });
}

export const WORKSPACES = [{ id: 1, slug: "lab", name: "Lab", role: "owner", created_at: "2026-01-01T00:00:00Z" }];

export function installFetchMock() {
  let handlers: Record<string, Handler> = {};
  const requests: Request[] = [];
  const fetchMock = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = input instanceof Request ? input : new PageRequest(String(input), init);
    requests.push(request.clone());
    const url = new URL(request.url, ORIGIN);
    const key = `${request.method} ${url.pathname}`;
    const handler = handlers[key];
    if (!handler) return json({ detail: `no test handler for ${key}` }, 404);
    const out = await handler(request, url);
    return out instanceof Response ? out : json(out);
  });
  globalThis.Request = PageRequest as typeof Request;
  globalThis.fetch = fetchMock as unknown as typeof fetch;
  const defaults = (): Record<string, Handler> => ({ "GET /api/v1/workspaces/": () => WORKSPACES });
  handlers = defaults();
  return {
    fetch: fetchMock,
    requests,
    /** Answers `METHOD /path/` with the handler's value (JSON) or Response. */
    on(route: string, handler: Handler) {
      handlers[route] = handler;
    },
    reset() {
      handlers = defaults();
      requests.length = 0;
      fetchMock.mockClear();
    },
    /** The requests made to `METHOD /path/`, in order. */
    calls(route: string) {
      return requests.filter((r) => `${r.method} ${new URL(r.url).pathname}` === route);
    },
  };
}

export type MockServer = ReturnType<typeof installFetchMock>;

export const page = <T,>(results: T[], count = results.length) => ({ count, next: null, previous: null, results });

function LocationProbe() {
  const location = useLocation();
  return <output data-testid="location">{location.pathname + location.search}</output>;
}

/** Renders `element` on `path` (route patterns) at `url`, with where the router went in "location". */
export function renderAt(element: ReactElement, { path = "/", url = "/" }: { path?: string | string[]; url?: string } = {}) {
  const paths = Array.isArray(path) ? path : [path];
  const client = new QueryClient({ defaultOptions: { queries: { retry: false }, mutations: { retry: false } } });
  return render(
    <QueryClientProvider client={client}>
      <MemoryRouter initialEntries={[url]}>
        <Routes>
          {paths.map((p) => (
            <Route key={p} path={p} element={element} />
          ))}
          <Route path="*" element={<p>elsewhere</p>} />
        </Routes>
        <LocationProbe />
      </MemoryRouter>
    </QueryClientProvider>,
  );
}
