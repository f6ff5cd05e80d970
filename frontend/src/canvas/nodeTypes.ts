// Node types of the canvas, at module scope so xyflow never sees a new object.
import { GenericNode } from "./GenericNode";

export const nodeTypes = { generic: GenericNode };
