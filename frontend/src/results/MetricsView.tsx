// A step's metrics: one table of scalar values, the tables and charts its Metrics JSON carries
// (classifier: per-class metrics, averages, ROC, precision-recall, confusion matrix; regressor:
// residuals, predicted vs actual; clusters: their sizes), and two scored inputs side by side.
import { formatNumber } from "../runs/format";
import { ConfusionMatrix } from "./ConfusionMatrix";
import { AveragesTable, ClusterSizesTable, ComparisonTable, PerClassTable } from "./MetricTables";
import { PredictedActualChart, PrChart, ResidualChart, RocChart } from "./charts";
import { readMetrics } from "./metrics";

interface Props {
  /** values the step reported as it ran (ctx.metric), latest per name */
  reported: Record<string, number>;
  /** the Metrics JSON written on an output port, if any */
  json: unknown;
}

export function MetricsView({ reported, json }: Props) {
  const content = readMetrics(json);
  const values = new Map<string, number | string | boolean>(Object.entries(reported));
  for (const { name, value } of content.scalars) values.set(name, value);
  // the second input's values are in the side-by-side table, not among the first's
  if (content.comparison) for (const name of [...values.keys()]) if (name.startsWith("compared_")) values.delete(name);
  const charts = content.roc || content.pr || content.confusion || content.residuals;
  const tables = content.perClass || content.averages || content.clusterSizes || content.comparison;
  if (values.size === 0 && !charts && !tables) return <p>This step reported no metrics.</p>;
  const chosen = typeof values.get("average") === "string" ? (values.get("average") as string) : null;
  const task = content.task && content.kind ? `${content.kind} ${content.task}` : content.task;
  return (
    <div className="metrics-view">
      {values.size > 0 && (
        <table className="metrics-table">
          <caption>{task ? `Metrics (${task})` : "Metrics"}</caption>
          <thead>
            <tr>
              <th scope="col">Metric</th>
              <th scope="col">Value</th>
            </tr>
          </thead>
          <tbody>
            {[...values].map(([name, value]) => (
              <tr key={name}>
                <th scope="row">{name}</th>
                <td>{formatNumber(value)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {content.comparison && <ComparisonTable comparison={content.comparison} />}
      {content.perClass && <PerClassTable rows={content.perClass} />}
      {content.averages && <AveragesTable rows={content.averages} chosen={chosen} />}
      {content.clusterSizes && <ClusterSizesTable rows={content.clusterSizes} />}
      <div className="metrics-charts">
        {content.roc && <RocChart roc={content.roc} />}
        {content.pr && <PrChart pr={content.pr} />}
        {content.confusion && <ConfusionMatrix data={content.confusion} />}
        {content.residuals && <ResidualChart residuals={content.residuals} />}
        {content.residuals && <PredictedActualChart residuals={content.residuals} />}
      </div>
    </div>
  );
}
