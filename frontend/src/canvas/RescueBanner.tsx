// Offers back the edits kept when this draft was last left unsaved.
import { useDesigner, useDesignerStoreApi } from "../store/designerStore";

export function RescueBanner() {
  const store = useDesignerStoreApi();
  const rescued = useDesigner((s) => s.rescued);
  if (!rescued) return null;
  const when = new Date(rescued.savedAt).toLocaleString();
  return (
    <div className="gw-conflict gw-rescue" role="alert">
      <p>
        <strong>Unsaved edits found:</strong> edits to this pipeline from {when} were not saved when you left. Restore
        them over the saved version, or discard them.
      </p>
      <button type="button" onClick={() => store.getState().restoreRescued()}>
        Restore my edits
      </button>
      <button type="button" onClick={() => store.getState().discardRescued()}>
        Discard them
      </button>
    </div>
  );
}
