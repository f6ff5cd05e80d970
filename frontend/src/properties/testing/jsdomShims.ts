// Test helper: layout calls jsdom lacks and CodeMirror makes when it measures (no layout here).
const empty = { length: 0, item: () => null, [Symbol.iterator]: [][Symbol.iterator] };
const rect = { x: 0, y: 0, width: 0, height: 0, top: 0, left: 0, right: 0, bottom: 0, toJSON: () => ({}) };
if (!Range.prototype.getClientRects) {
  Range.prototype.getClientRects = () => empty as unknown as DOMRectList;
  Range.prototype.getBoundingClientRect = () => rect as DOMRect;
}
