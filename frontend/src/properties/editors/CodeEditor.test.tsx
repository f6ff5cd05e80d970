import "../testing/mockFetch";
import "../testing/jsdomShims";
import { afterEach, describe, expect, it } from "vitest";
import { act, cleanup, screen, waitFor } from "@testing-library/react";
import { EditorView } from "codemirror";
import { moduleWith, param, renderPanel } from "../testing/harness";
import { pythonSyntaxErrors } from "../pythonSyntax";

afterEach(cleanup);

describe("Python syntax errors", () => {
  it("finds none in valid code", () => {
    expect(pythonSyntaxErrors("def azureml_main(df1, df2):\n    return df1,\n")).toEqual([]);
  });

  it("finds a mistake with its line", () => {
    const [problem, ...rest] = pythonSyntaxErrors("import pandas\n\ndef f(:\n    return 1\n");
    expect(rest).toEqual([]);
    expect(problem.line).toBe(3);
    expect(problem.message).toMatch(/^Syntax error at line 3/);
  });
});

describe("a code parameter", () => {
  const module = moduleWith([param("script", "code", { label: "Python script", help: "Must define azureml_main." })]);

  it("is a CodeMirror editor with Python highlighting, named by its label", () => {
    const { container } = renderPanel(module, {
      node: { id: "n1", module: "test_module", params: { script: "def azureml_main(a, b):\n    return a\n" } },
    });
    const editor = screen.getByRole("textbox", { name: /^Python script/ });
    expect(editor).toHaveClass("cm-content");
    expect(editor).toHaveAccessibleDescription(expect.stringContaining("Must define azureml_main."));
    expect(container.querySelector(".cm-editor .tok-keyword, .cm-editor [class*='ͼ']")).not.toBeNull();
  });

  it("lists syntax errors under the editor", () => {
    renderPanel(module, { node: { id: "n1", module: "test_module", params: { script: "def f(:\n  pass\n" } } });
    expect(screen.getByRole("textbox", { name: /^Python script/ })).toHaveAccessibleDescription(
      expect.stringContaining("Syntax error at line 1"),
    );
  });
});

describe("editing a script", () => {
  const module = moduleWith([param("script", "code", { label: "Python script" })]);

  it("commits the script once, when the editor loses focus", async () => {
    const { patches } = renderPanel(module, { node: { id: "n1", module: "test_module", params: { script: "x = 1\n" } } });
    const content = screen.getByRole("textbox", { name: /^Python script/ });
    const view = EditorView.findFromDOM(content)!;
    act(() => view.focus());
    await waitFor(() => expect(view.hasFocus).toBe(true));
    act(() => view.dispatch({ changes: { from: 0, insert: "y = 2\n" } }));
    act(() => view.dispatch({ changes: { from: 0, insert: "# two edits\n" } }));
    expect(patches).toEqual([]);
    act(() => content.blur());
    await waitFor(() => expect(patches).toEqual([{ params: { script: "# two edits\ny = 2\nx = 1\n" } }]));
  });
});
