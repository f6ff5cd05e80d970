import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";

const server = await vi.hoisted(() => import("../home/testServer").then((m) => m.installFetchMock()));

import { CataloguePage } from "../pages/CataloguePage";
import { json, renderAt } from "../home/testServer";
import { portColor } from "../canvas/portTypes";

const port = (name: string, type: string, label: string) => ({ name, type, label, optional: false, help: "" });

const MODULES = [
  {
    key: "split_data",
    version: "1",
    label: "Split Data",
    category: "Data Transformation",
    description: "Split rows into two sets.",
    inputs: [port("data", "DataFrame", "Dataset")],
    outputs: [port("train", "DataFrame", "Training set"), port("test", "DataFrame", "Test set")],
    params: [
      { name: "fraction", kind: "float", label: "Fraction", default: 0.7, required: true, help: "Share of rows in the first set", min: 0.01, max: 0.99 },
      { name: "stratify", kind: "columns", label: "Stratify by", default: null, required: false, help: "", port: "data", multiple: false },
    ],
    user_code: false,
    disabled: false,
    infers_schema: true,
  },
  {
    key: "train_model",
    version: "1",
    label: "Train Model",
    category: "Model Training",
    description: "Fit an untrained model.",
    inputs: [port("model", "UntrainedModel", "Untrained model"), port("data", "DataFrame", "Dataset")],
    outputs: [port("model", "Model", "Trained model")],
    params: [{ name: "label", kind: "choice", label: "Mode", default: "a", required: true, help: "", choices: ["a", "b"] }],
    user_code: false,
    disabled: false,
    infers_schema: true,
  },
];

beforeEach(() => {
  server.reset();
  server.on("GET /api/v1/modules/", () => MODULES);
});

const renderCatalogue = (url = "/modules") =>
  renderAt(<CataloguePage />, { path: ["/modules", "/modules/:key/:version"], url });

describe("CataloguePage", () => {
  it("lists the modules by category", async () => {
    renderCatalogue();
    const training = await screen.findByRole("region", { name: "Model Training" });
    expect(within(training).getByRole("link", { name: "Train Model" })).toHaveAttribute("href", "/modules/train_model/1");
    expect(screen.getByRole("region", { name: "Data Transformation" })).toHaveTextContent("Split Data");
  });

  it("searches labels, help and port names, keeping the search in the URL", async () => {
    renderCatalogue();
    await userEvent.type(await screen.findByRole("searchbox", { name: "Search modules" }), "untrained");
    expect(screen.queryByRole("link", { name: "Split Data" })).not.toBeInTheDocument();
    expect(screen.getByRole("link", { name: "Train Model" })).toHaveAttribute("href", "/modules/train_model/1?q=untrained");
    expect(screen.getByTestId("location")).toHaveTextContent("/modules?q=untrained");
    await userEvent.type(screen.getByRole("searchbox", { name: "Search modules" }), " nothing");
    expect(screen.getByText(/No module matches/)).toBeInTheDocument();
  });

  it("filters by category from the URL", async () => {
    renderCatalogue("/modules?category=Model+Training");
    await screen.findByRole("link", { name: "Train Model" });
    expect(screen.queryByRole("link", { name: "Split Data" })).not.toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Model Training" })).toHaveAttribute("aria-pressed", "true");
    await userEvent.click(screen.getByRole("button", { name: "All" }));
    expect(screen.getByRole("link", { name: "Split Data" })).toBeInTheDocument();
  });

  it("shows a module's help, typed and coloured ports, and parameters with kind, default and range", async () => {
    renderCatalogue("/modules/split_data/1");
    expect(await screen.findByRole("heading", { name: "Split Data", level: 2 })).toBeInTheDocument();
    expect(screen.getByText("Split rows into two sets.")).toBeInTheDocument();
    const input = screen.getByRole("listitem", { name: "input Dataset of Split Data: Data frame" });
    expect(input.querySelector(".port-swatch")).toHaveStyle({ background: portColor("DataFrame") });
    expect(screen.getByRole("listitem", { name: "output Test set of Split Data: Data frame" })).toBeInTheDocument();
    const fraction = screen.getByRole("rowheader", { name: /Fraction/ }).closest("tr")!;
    expect(fraction).toHaveTextContent("float");
    expect(fraction).toHaveTextContent("0.7");
    expect(fraction).toHaveTextContent("0.01 – 0.99");
    expect(fraction).toHaveTextContent("Share of rows in the first set");
    expect(screen.getByRole("rowheader", { name: /Stratify by/ }).closest("tr")).toHaveTextContent('a column of input “data”');
    expect(screen.getByRole("link", { name: "Split Data" })).toHaveAttribute("aria-current", "page");
  });

  it("says when the module in the URL does not exist, with a way back", async () => {
    renderCatalogue("/modules/nothing/9");
    expect(await screen.findByRole("alert")).toHaveTextContent("There is no module “nothing” version 9");
    await userEvent.click(screen.getByRole("link", { name: "Back to all modules" }));
    await waitFor(() => expect(screen.getByTestId("location")).toHaveTextContent(/^\/modules$/));
  });

  it("shows why the catalogue could not be loaded", async () => {
    server.on("GET /api/v1/modules/", () => json({ detail: "Authentication credentials were not provided." }, 403));
    renderCatalogue();
    expect(await screen.findByRole("alert")).toHaveTextContent("Could not load the module catalogue");
  });
});
