// Python syntax errors found by the Lezer parser (error nodes of the tree), for the code editor's
// inline diagnostics (@codemirror/lint) and the readable list under it.
import { syntaxTree, ensureSyntaxTree } from "@codemirror/language";
import { pythonLanguage } from "@codemirror/lang-python";
import { linter, type Diagnostic } from "@codemirror/lint";
import type { Tree } from "@lezer/common";
import type { EditorState } from "@codemirror/state";

export interface SyntaxProblem {
  from: number;
  to: number;
  line: number;
  message: string;
}

function lineOf(text: string, pos: number): number {
  let line = 1;
  for (let i = 0; i < pos && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/** Every error node of `tree` over `text`; adjacent ones (one mistake) are reported once. */
export function treeErrors(tree: Tree, text: string): SyntaxProblem[] {
  const found: SyntaxProblem[] = [];
  tree.iterate({
    enter(node) {
      if (!node.type.isError) return;
      const from = Math.min(node.from, text.length);
      const to = Math.min(Math.max(node.to, from + 1), text.length);
      const last = found[found.length - 1];
      if (last && from <= last.to) return;
      const near = text.slice(from, to).trim();
      const line = lineOf(text, from);
      found.push({
        from,
        to,
        line,
        message: near ? `Syntax error at line ${line} near "${near.slice(0, 20)}"` : `Syntax error at line ${line}`,
      });
    },
  });
  return found;
}

/** Syntax errors of a Python source, parsed from scratch (no editor needed). */
export function pythonSyntaxErrors(text: string): SyntaxProblem[] {
  return treeErrors(pythonLanguage.parser.parse(text), text);
}

function editorErrors(state: EditorState): SyntaxProblem[] {
  const tree = ensureSyntaxTree(state, state.doc.length, 500) ?? syntaxTree(state);
  return treeErrors(tree, state.doc.toString());
}

/** The lint source of the code editor: one diagnostic per syntax error, reported as it is typed. */
export function pythonSyntaxLinter(onProblems?: (problems: SyntaxProblem[]) => void) {
  return linter(
    (view) => {
      const problems = editorErrors(view.state);
      onProblems?.(problems);
      return problems.map<Diagnostic>((p) => ({ from: p.from, to: p.to, severity: "error", message: p.message }));
    },
    { delay: 300 },
  );
}
