// The plan in the dialog: how many nodes will run and how many are reused, and why, node by node.
import type { PipelineDocument } from "../api/types";
import type { PlanState } from "./usePlan";

export interface PlanSummaryProps {
  plan: PlanState;
  document: PipelineDocument;
  /** why no plan is asked for (a value to fix), if so */
  blocked?: string | null;
}

function nodeName(document: PipelineDocument, id: string): string {
  const node = document.nodes.find((n) => n.id === id);
  return node?.label ? `${node.label} (${id})` : id;
}

export function PlanSummary({ plan, document, blocked }: PlanSummaryProps) {
  let status: string;
  if (blocked) status = blocked;
  else if (plan.status === "loading") status = "Working out which nodes will run…";
  else if (plan.status === "failed") status = "No plan: the draft cannot run as it is.";
  else if (plan.status === "ready") {
    const run = plan.items.filter((i) => i.action === "run").length;
    status = `${run} to run, ${plan.items.length - run} reused.`;
  } else status = "";
  return (
    <section className="gw-plan" aria-labelledby="gw-plan-title">
      <h3 id="gw-plan-title">Plan</h3>
      <p className="gw-plan-status" role="status">
        {status}
      </p>
      {plan.status === "failed" && !blocked && (
        <ul className="gw-field-errors">
          {plan.errors.map((e, i) => (
            <li key={i}>{e.message}</li>
          ))}
        </ul>
      )}
      {plan.status === "ready" && !blocked && plan.items.length > 0 && (
        <ul className="gw-plan-items" aria-label="Nodes of the plan">
          {plan.items.map((item) => (
            <li key={item.node} data-action={item.action}>
              <strong>{nodeName(document, item.node)}</strong>{" "}
              <span className="gw-plan-action">{item.action === "run" ? "runs" : "reused"}</span>
              {item.reason ? `: ${item.reason}` : ""}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
