import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";

const server = await vi.hoisted(() => import("../home/testServer").then((m) => m.installFetchMock()));

import { json, renderAt, WORKSPACES } from "../home/testServer";
import { CustomModulesPage } from "./CustomModulesPage";

const row = (id: number, version: string, extra: Record<string, unknown> = {}) => ({
  id,
  workspace: "lab",
  key: "scale_columns",
  version,
  label: "Scale Columns",
  category: "Data Transformation",
  status: "active",
  is_default: false,
  content_hash: `${version}`.repeat(64).slice(0, 64),
  source_kind: "py",
  entry: "scale.py",
  filename: "scale.py",
  declaration: {},
  missing_requirements: [],
  created_by: "ada",
  created_at: "2026-12-01T07:00:00Z",
  ...extra,
});

let rows: ReturnType<typeof row>[] = [];

beforeEach(() => {
  server.reset();
  rows = [row(1, "1"), row(2, "2", { is_default: true })];
  server.on("GET /api/v1/custom-modules/", () => rows);
});

const renderPage = () => renderAt(<CustomModulesPage />, { path: "/custom-modules", url: "/custom-modules" });

describe("CustomModulesPage", () => {
  it("lists every version of the workspace's modules with its status and the default", async () => {
    renderPage();
    const section = await screen.findByRole("region", { name: /Scale Columns/ });
    const versions = within(section).getAllByRole("row").slice(1);
    expect(versions.map((r) => r.getAttribute("data-version"))).toEqual(["2", "1"]);
    expect(within(versions[0]).getByText("Default")).toBeInTheDocument();
    expect(within(versions[1]).getByRole("button", { name: "Make default: Scale Columns v1" })).toBeInTheDocument();
    expect(server.calls("GET /api/v1/custom-modules/")[0].url).toContain("workspace=lab");
  });

  it("registers a file and shows what was registered and its warnings", async () => {
    server.on("POST /api/v1/custom-modules/", () =>
      json(
        {
          modules: [row(3, "3", { is_default: true })],
          warnings: [{ code: "missing_requirements", message: "scale_columns@3 needs Python packages this server does not have: lightgbm>=4 (not installed)." }],
        },
        201,
      ),
    );
    renderPage();
    const user = userEvent.setup();
    const file = new File(["from modules_catalog.spec import module\n"], "scale.py", { type: "text/x-python" });
    await user.upload(await screen.findByLabelText("Module file (.py or .zip)"), file);
    await user.click(screen.getByRole("button", { name: "Register" }));
    const status = await screen.findByText(
      (_, el) => el?.getAttribute("role") === "status" && /^Registered/.test(el.textContent ?? ""),
      {},
      { timeout: 3000 },
    );
    expect(status).toHaveTextContent("Registered Scale Columns v3 (default).");
    expect(status).toHaveTextContent("lightgbm>=4 (not installed)");
    const sent = server.calls("POST /api/v1/custom-modules/")[0];
    const form = await sent.formData();
    expect(form.get("workspace")).toBe("lab");
    expect(await (form.get("file") as Blob).text()).toContain("from modules_catalog.spec import module");
  });

  it("says why a file was refused, with its line", async () => {
    server.on("POST /api/v1/custom-modules/", () =>
      json({ errors: [{ code: "syntax_error", message: "syntax error in scale.py, line 3: invalid syntax", line: 3, field: "file" }] }, 400),
    );
    renderPage();
    const user = userEvent.setup();
    await user.upload(await screen.findByLabelText("Module file (.py or .zip)"), new File(["def f(:"], "scale.py"));
    await user.click(screen.getByRole("button", { name: "Register" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("syntax error in scale.py, line 3: invalid syntax");
  });

  it("asks for the entry file of a zip and refuses a file too large before sending it", async () => {
    renderPage();
    const user = userEvent.setup();
    const input = await screen.findByLabelText("Module file (.py or .zip)");
    await user.upload(input, new File([new Uint8Array(6 << 20)], "bundle.zip", { type: "application/zip" }));
    expect(screen.getByLabelText("Entry file in the zip")).toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Register" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("larger than 5 MB");
    expect(server.calls("POST /api/v1/custom-modules/")).toHaveLength(0);
  });

  it("deprecates a version and makes another the default", async () => {
    const patches: unknown[] = [];
    server.on("PATCH /api/v1/custom-modules/1/", async (request) => {
      const body = await request.json();
      patches.push(body);
      return row(1, "1", body);
    });
    renderPage();
    const user = userEvent.setup();
    await user.selectOptions(await screen.findByRole("combobox", { name: "Status of Scale Columns v1" }), "deprecated");
    await user.click(screen.getByRole("button", { name: "Make default: Scale Columns v1" }));
    await waitFor(() => expect(patches).toEqual([{ status: "deprecated" }, { is_default: true }]));
  });

  it("shows a viewer the versions without the form or the controls", async () => {
    server.on("GET /api/v1/workspaces/", () => [{ ...WORKSPACES[0], role: "viewer" }]);
    renderPage();
    await screen.findByRole("region", { name: /Scale Columns/ });
    expect(screen.queryByLabelText("Module file (.py or .zip)")).toBeNull();
    expect(screen.queryByRole("combobox")).toBeNull();
    expect(screen.getByText(/only its editors and owners/)).toBeInTheDocument();
  });
});
