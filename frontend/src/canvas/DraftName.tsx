// The draft's name in the toolbar, renamed in place (one undoable edit, saved with the draft).
import { useState } from "react";
import { useDesigner, useDesignerStoreApi } from "../store/designerStore";
import { InlineText } from "./InlineText";

export function DraftName() {
  const store = useDesignerStoreApi();
  const name = useDesigner((s) => s.meta.name);
  const [editing, setEditing] = useState(false);
  if (editing) {
    return (
      <InlineText
        value={name}
        label="Pipeline name"
        placeholder="Untitled pipeline"
        maxLength={200}
        onDone={(next) => {
          setEditing(false);
          if (next !== null && next.trim()) store.getState().rename(next.trim());
        }}
      />
    );
  }
  return (
    <h1 className="gw-draft-name">
      <button type="button" onClick={() => setEditing(true)} title="Rename the pipeline">
        {name || "Untitled pipeline"}
      </button>
    </h1>
  );
}
