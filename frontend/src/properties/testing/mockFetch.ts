// Test helper: a fetch that answers from a table of routes, installed before the API client is
// created (openapi-fetch keeps the fetch it finds then). Import it first in a test file.
// Node's Request refuses the app's relative URLs, so they are resolved against the page here.

export interface Call {
  method: string;
  url: URL;
  body: unknown;
}

export type Route = (call: Call) => Response | Promise<Response> | undefined;

const NodeRequest = globalThis.Request;
class PageRequest extends NodeRequest {
  constructor(input: RequestInfo | URL, init?: RequestInit) {
    super(typeof input === "string" ? new URL(input, "http://localhost/").href : input, init);
  }
}
globalThis.Request = PageRequest as typeof Request;

export const calls: Call[] = [];
let routes: Route[] = [];

export function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
}

/** Answer requests with these routes (the first that returns a response wins); forget earlier calls. */
export function serve(...next: Route[]): void {
  routes = next;
  calls.length = 0;
}

export function callsTo(method: string, path: string): Call[] {
  return calls.filter((c) => c.method === method && c.url.pathname === path);
}

globalThis.fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
  const request = input instanceof Request ? input : new PageRequest(input, init);
  const text = request.body ? await request.text() : "";
  const call: Call = { method: request.method, url: new URL(request.url), body: text ? JSON.parse(text) : undefined };
  calls.push(call);
  for (const route of routes) {
    const answer = await route(call);
    if (answer) return answer;
  }
  return json({ errors: [{ code: "not_found", message: `no test route for ${call.method} ${call.url.pathname}` }] }, 404);
}) as typeof fetch;
