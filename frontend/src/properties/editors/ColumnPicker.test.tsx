import "../testing/mockFetch";
import { afterEach, describe, expect, it } from "vitest";
import { cleanup, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { moduleWith, param, renderPanel } from "../testing/harness";

afterEach(cleanup);

const schema = [
  { name: "sepal_length", dtype: "float" },
  { name: "sepal_width", dtype: "float" },
  { name: "species", dtype: "category" },
  { name: "id", dtype: "int" },
];

describe("a columns parameter with several columns", () => {
  const module = moduleWith([param("columns", "columns", { label: "Columns", port: "data", multiple: true, required: true })]);

  it("lists the columns known on its input port, with their types", () => {
    renderPanel(module, { inputSchemas: { data: schema } });
    const list = within(screen.getByRole("list", { name: "Columns of Dataset" })).getAllByRole("checkbox");
    expect(list.map((b) => b.closest("label")?.textContent)).toEqual([
      "sepal_length float", "sepal_width float", "species category", "id int",
    ]);
  });

  it("selects in the order clicked, searches, and removes a chosen column", async () => {
    const user = userEvent.setup();
    const { patches } = renderPanel(module, { inputSchemas: { data: schema } });
    await user.click(screen.getByRole("checkbox", { name: /^species/ }));
    await user.type(screen.getByLabelText("Search columns"), "sepal");
    expect(screen.queryByRole("checkbox", { name: /^species/ })).toBeNull();
    await user.click(screen.getByRole("button", { name: "Select all shown" }));
    expect(patches).toEqual([
      { params: { columns: ["species"] } },
      { params: { columns: ["species", "sepal_length", "sepal_width"] } },
    ]);
    const chosen = within(screen.getByRole("list", { name: "Selected columns" })).getAllByRole("listitem");
    expect(chosen.map((li) => li.firstChild?.textContent)).toEqual(["species", "sepal_length", "sepal_width"]);
    await user.click(screen.getByRole("button", { name: "Remove column species" }));
    expect(patches.at(-1)).toEqual({ params: { columns: ["sepal_length", "sepal_width"] } });
  });

  it("flags chosen columns the input does not have", () => {
    renderPanel(module, {
      inputSchemas: { data: schema },
      node: { id: "n1", module: "test_module", params: { columns: ["species", "petal"] } },
    });
    expect(screen.getByText(/Not in the input: petal/)).toBeInTheDocument();
  });

  it("takes typed names when the input's columns are not known before running", async () => {
    const user = userEvent.setup();
    const { patches } = renderPanel(module, { inputSchemas: { data: null } });
    expect(screen.getByText(/not known before the pipeline runs/)).toBeInTheDocument();
    const input = screen.getByLabelText(/^Columns/, { selector: "input" });
    await user.type(input, "a, b ,a");
    await user.tab();
    expect(input).toHaveAccessibleDescription(expect.stringContaining("Column a is named twice."));
    await user.clear(input);
    await user.type(input, "a, b");
    await user.tab();
    expect(patches).toEqual([{ params: { columns: ["a", "b"] } }]);
  });
});

describe("a columns parameter with exactly one column", () => {
  const module = moduleWith([param("label_column", "columns", { label: "Label column", port: "data", multiple: false, required: true })]);

  it("is a select of the input's columns with their types", async () => {
    const user = userEvent.setup();
    const { patches } = renderPanel(module, { inputSchemas: { data: schema } });
    const select = screen.getByLabelText(/^Label column/, { selector: "select" });
    expect(within(select).getAllByRole("option").map((o) => o.textContent)).toEqual([
      "— choose a column —", "sepal_length (float)", "sepal_width (float)", "species (category)", "id (int)",
    ]);
    await user.selectOptions(select, "species");
    expect(patches).toEqual([{ params: { label_column: "species" } }]);
  });

  it("asks to connect the input when nothing is wired, and takes one typed name", async () => {
    const user = userEvent.setup();
    const { patches } = renderPanel(module);
    expect(screen.getByText(/Connect the Dataset input/)).toBeInTheDocument();
    await user.type(screen.getByLabelText(/^Label column/, { selector: "input" }), "target{Enter}");
    expect(patches).toEqual([{ params: { label_column: "target" } }]);
  });
});

describe("a columns parameter chosen by rules", () => {
  const module = moduleWith([param("columns", "columns", { label: "Columns", port: "data", multiple: true, required: true })]);
  const withRoles = [...schema, { name: "weight", dtype: "float", role: "weight" }];

  it("turns the chosen names into an include rule, and 'all except' into names again", async () => {
    const user = userEvent.setup();
    const { patches } = renderPanel(module, {
      inputSchemas: { data: schema },
      node: { id: "n1", module: "test_module", params: { columns: ["species"] } },
    });
    await user.click(screen.getByRole("radio", { name: "Rules" }));
    expect(patches).toEqual([{ params: { columns: { rules: [{ action: "include", by: "names", names: ["species"] }] } } }]);
    expect(screen.getByText("Selects 1 of 4 columns: species")).toBeInTheDocument();
    await user.selectOptions(screen.getByLabelText("Begin with"), "all");
    await user.selectOptions(screen.getByLabelText("Rule 1: include or exclude"), "exclude");
    expect(patches.at(-1)).toEqual({
      params: { columns: { rules: [{ action: "include", by: "all" }, { action: "exclude", by: "names", names: ["species"] }] } },
    });
    expect(screen.getByText("Selects 3 of 4 columns: sepal_length, sepal_width, id")).toBeInTheDocument();
    await user.click(screen.getByRole("radio", { name: "Names" }));
    expect(patches.at(-1)).toEqual({ params: { columns: ["sepal_length", "sepal_width", "id"] } });
  });

  it("adds rules by type and by role, keeps an incomplete rule as a draft, and removes rules", async () => {
    const user = userEvent.setup();
    const { patches } = renderPanel(module, {
      inputSchemas: { data: withRoles },
      node: { id: "n1", module: "test_module", params: { columns: { rules: [{ action: "include", by: "all" }] } } },
    });
    expect(screen.getByText("Selects 5 of 5 columns: sepal_length, sepal_width, species, id, weight")).toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Add rule" }));
    expect(patches).toEqual([]); // a rule without names is not a value the server takes
    expect(screen.getByText("Rule 1 needs at least one name.")).toBeInTheDocument();
    await user.selectOptions(screen.getByLabelText("Rule 1: by"), "types");
    await user.click(within(screen.getByRole("group", { name: "Rule 1: column types" })).getByRole("checkbox", { name: "float" }));
    expect(patches).toEqual([{
      params: { columns: { rules: [{ action: "include", by: "all" }, { action: "exclude", by: "types", types: ["float"] }] } },
    }]);
    expect(screen.getByText("Selects 2 of 5 columns: species, id")).toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Add rule" }));
    await user.selectOptions(screen.getByLabelText("Rule 2: include or exclude"), "include");
    await user.selectOptions(screen.getByLabelText("Rule 2: by"), "roles");
    await user.click(within(screen.getByRole("group", { name: "Rule 2: column roles" })).getByRole("checkbox", { name: "weight" }));
    expect(screen.getByText("Selects 3 of 5 columns: species, id, weight")).toBeInTheDocument();
    expect(patches.at(-1)).toEqual({
      params: { columns: { rules: [
        { action: "include", by: "all" },
        { action: "exclude", by: "types", types: ["float"] },
        { action: "include", by: "roles", roles: ["weight"] },
      ] } },
    });
    await user.click(screen.getByRole("button", { name: "Remove rule 1" }));
    expect(patches.at(-1)).toEqual({
      params: { columns: { rules: [{ action: "include", by: "all" }, { action: "include", by: "roles", roles: ["weight"] }] } },
    });
  });

  it("says when the rules select nothing or name a column the input lacks", async () => {
    const user = userEvent.setup();
    renderPanel(module, {
      inputSchemas: { data: schema },
      node: { id: "n1", module: "test_module", params: { columns: { rules: [
        { action: "include", by: "all" }, { action: "exclude", by: "names", names: ["petal"] },
      ] } } },
    });
    expect(screen.getByText("Not in the input: petal.")).toBeInTheDocument();
    await user.selectOptions(screen.getByLabelText("Begin with"), "none");
    expect(screen.getByText(/only exclude, so they select nothing/)).toBeInTheDocument();
  });

  it("takes typed names in a rule when the input's columns are not known before running", async () => {
    const user = userEvent.setup();
    const { patches } = renderPanel(module, { inputSchemas: { data: null } });
    await user.click(screen.getByRole("radio", { name: "Rules" }));
    expect(patches).toEqual([{ params: { columns: { rules: [{ action: "include", by: "all" }] } } }]);
    expect(screen.getByText(/applied to the columns of Dataset when the pipeline runs/)).toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Add rule" }));
    await user.type(screen.getByLabelText(/^Rule 1: column names/), "id, species{Enter}");
    expect(patches.at(-1)).toEqual({
      params: { columns: { rules: [{ action: "include", by: "all" }, { action: "exclude", by: "names", names: ["id", "species"] }] } },
    });
  });
});
