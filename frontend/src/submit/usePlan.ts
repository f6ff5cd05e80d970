// The plan of the saved draft for the values being entered: asked for when the dialog opens and
// again, debounced, whenever the values change; only the newest answer counts.
import { useEffect, useRef, useState } from "react";
import type { GraphError } from "../api/types";
import { errorsOf, fetchPlan, planMarks, type ExecutionBody, type PlanItem, type PlanMark } from "./submitApi";

export const PLAN_DELAY_MS = 400;

export type PlanState =
  | { status: "idle" }
  | { status: "loading" }
  | { status: "ready"; items: PlanItem[] }
  | { status: "failed"; errors: GraphError[] };

export interface UsePlanOptions {
  draftId: number;
  body: ExecutionBody;
  /** false while closed or while a value is invalid: no plan is asked for */
  enabled: boolean;
  onPlan(plan: PlanMark[] | null): void;
}

export function usePlan({ draftId, body, enabled, onPlan }: UsePlanOptions): PlanState {
  const [state, setState] = useState<PlanState>({ status: "idle" });
  const report = useRef(onPlan);
  report.current = onPlan;
  const key = JSON.stringify(body);

  useEffect(() => {
    if (!enabled) {
      setState({ status: "idle" });
      report.current(null); // marks of values no longer there would mislead
      return;
    }
    setState({ status: "loading" });
    const abort = new AbortController();
    const timer = setTimeout(async () => {
      try {
        const items = await fetchPlan(draftId, JSON.parse(key) as ExecutionBody, abort.signal);
        if (abort.signal.aborted) return;
        setState({ status: "ready", items });
        report.current(planMarks(items));
      } catch (error) {
        if (abort.signal.aborted) return;
        setState({ status: "failed", errors: errorsOf(error) });
        report.current(null);
      }
    }, PLAN_DELAY_MS);
    return () => {
      clearTimeout(timer);
      abort.abort();
    };
  }, [draftId, key, enabled]); // the dialog is modal: the saved draft does not change under it

  return state;
}
