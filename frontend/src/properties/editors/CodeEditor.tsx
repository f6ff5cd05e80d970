// Python code in CodeMirror 6: highlighting, syntax errors marked inline (lint) and listed under
// the editor; the script is committed when the editor loses focus (one undo entry per edit).
import { useEffect, useMemo, useRef, useState } from "react";
import { EditorView, basicSetup } from "codemirror";
import { python } from "@codemirror/lang-python";
import { lintGutter } from "@codemirror/lint";
import { pythonSyntaxErrors, pythonSyntaxLinter } from "../pythonSyntax";
import type { FieldIds } from "../FieldShell";

export interface CodeEditorProps {
  ids: FieldIds;
  value: string;
  onCommit(text: string): void;
}

export function CodeEditor({ ids, value, onCommit }: CodeEditorProps) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const [text, setText] = useState(value);
  const latest = useRef({ value, onCommit });
  latest.current = { value, onCommit };
  const problems = useMemo(() => pythonSyntaxErrors(text), [text]);

  useEffect(() => {
    const editor = new EditorView({
      parent: host.current!,
      doc: latest.current.value,
      extensions: [
        basicSetup,
        python(),
        pythonSyntaxLinter(),
        lintGutter(),
        EditorView.contentAttributes.of({
          id: ids.control,
          "aria-labelledby": ids.label,
          "aria-describedby": ids.describedBy,
          "aria-multiline": "true",
        }),
        EditorView.updateListener.of((update) => {
          if (update.docChanged) setText(update.state.doc.toString());
          if (update.focusChanged && !update.view.hasFocus) {
            const doc = update.state.doc.toString();
            if (doc !== latest.current.value) latest.current.onCommit(doc);
          }
        }),
      ],
    });
    view.current = editor;
    return () => {
      editor.destroy();
      view.current = null;
    };
  }, [ids.control, ids.label, ids.describedBy, ids.message]);

  // the document changed from outside (undo, another node's value): show it unless being edited
  useEffect(() => {
    const editor = view.current;
    if (!editor || editor.hasFocus) return;
    const doc = editor.state.doc.toString();
    if (doc !== value) editor.dispatch({ changes: { from: 0, to: doc.length, insert: value } });
  }, [value]);

  return (
    <>
      <div ref={host} className="gw-code" />
      <div id={ids.message} className="gw-field-message" aria-live="polite">
        {problems.length > 0 && (
          <ul className="gw-code-problems">
            {problems.map((p) => (
              <li key={p.from}>{p.message}</li>
            ))}
          </ul>
        )}
      </div>
    </>
  );
}
