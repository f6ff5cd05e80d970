// A node's size and port positions as the canvas draws them, estimated from its module before it is
// measured, so a large pipeline opens drawing only the nodes in view (xyflow otherwise renders
// every node once just to measure its handles).
import type { HandleType, NodeHandle } from "@xyflow/react";
import { Position } from "@xyflow/react";
import type { ModuleSpec, NodeDoc, PortSpec } from "../api/types";
import { paramSummary } from "./paramSummary";

export const NODE_MIN_WIDTH = 190;
export const PORT_SPACING = 76;
const HANDLE_SIZE = 12;
const BASE_HEIGHT = 54;

export function nodeWidth(inputs: number, outputs: number): number {
  return Math.max(NODE_MIN_WIDTH, PORT_SPACING * Math.max(inputs, outputs));
}

/** Where port `i` of `count` sits along the node's edge, as a fraction of its width. */
export function portFraction(i: number, count: number): number {
  return (i + 0.5) / count;
}

export function estimatedSize(doc: NodeDoc, module: ModuleSpec): { width: number; height: number } {
  const height = BASE_HEIGHT + (doc.label ? 14 : 0) + (doc.comment ? 18 : 0) + 14 * paramSummary(module, doc).length;
  return { width: nodeWidth(module.inputs.length, module.outputs.length), height };
}

function handlesOf(ports: PortSpec[], type: HandleType, width: number, y: number): NodeHandle[] {
  return ports.map((p, i) => ({
    id: p.name,
    type,
    position: type === "target" ? Position.Top : Position.Bottom,
    x: portFraction(i, ports.length) * width - HANDLE_SIZE / 2,
    y,
    width: HANDLE_SIZE,
    height: HANDLE_SIZE,
  }));
}

/** Size and handles of a node not drawn yet; xyflow replaces them when it measures the node. */
export function estimatedGeometry(doc: NodeDoc, module: ModuleSpec) {
  const { width, height } = estimatedSize(doc, module);
  return {
    measured: { width, height },
    handles: [
      ...handlesOf(module.inputs, "target", width, -HANDLE_SIZE / 2),
      ...handlesOf(module.outputs, "source", width, height - HANDLE_SIZE / 2),
    ],
  };
}
