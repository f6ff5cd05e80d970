// The submitted pipeline on a read-only canvas; a node clicked (or chosen with Enter) opens its results.
import { useCallback, useEffect, useState } from "react";
import {
  applyNodeChanges,
  Background,
  Controls,
  MiniMap,
  ReactFlow,
  type Edge,
  type NodeChange,
  type NodeMouseHandler,
  type OnSelectionChangeParams,
} from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import { RunNode } from "./RunNode";
import type { RunFlowNode } from "./graph";

// at module scope: a new object each render would remount every node
const nodeTypes = { run: RunNode };

interface Props {
  nodes: RunFlowNode[];
  edges: Edge[];
  selected: string | null;
  onSelect: (nodeId: string) => void;
}

export function RunGraph({ nodes, edges, selected, onSelect }: Props) {
  // xyflow's changes (sizes measured, selection) applied here: the minimap draws measured nodes only
  const [shown, setShown] = useState(nodes);
  useEffect(() => setShown(nodes), [nodes]);
  const onNodesChange = useCallback(
    (changes: NodeChange<RunFlowNode>[]) => setShown((current) => applyNodeChanges(changes, current)),
    [],
  );
  const onNodeClick: NodeMouseHandler<RunFlowNode> = useCallback((_, node) => onSelect(node.id), [onSelect]);
  const onSelectionChange = useCallback(
    ({ nodes: chosen }: OnSelectionChangeParams) => {
      if (chosen.length === 1 && chosen[0].id !== selected) onSelect(chosen[0].id);
    },
    [onSelect, selected],
  );
  return (
    <div className="run-graph" aria-label="The pipeline as submitted" role="region">
      <ReactFlow<RunFlowNode>
        nodes={shown}
        edges={edges}
        nodeTypes={nodeTypes}
        onNodesChange={onNodesChange}
        onNodeClick={onNodeClick}
        onSelectionChange={onSelectionChange}
        nodesDraggable={false}
        nodesConnectable={false}
        edgesFocusable={false}
        elementsSelectable
        fitView
        minZoom={0.05}
        proOptions={{ hideAttribution: true }}
      >
        <Background gap={20} />
        <Controls showInteractive={false} />
        <MiniMap
          pannable
          zoomable
          ariaLabel="Overview of the pipeline"
          nodeColor="#c4c9d4"
        />
      </ReactFlow>
    </div>
  );
}
