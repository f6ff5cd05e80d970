// A step's metrics: one table of scalar values, then the charts its Metrics JSON carries
// (classifier: ROC, precision-recall, confusion matrix; regressor: residuals, predicted vs actual).
import { formatNumber } from "../runs/format";
import { ConfusionMatrix } from "./ConfusionMatrix";
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
  const charts = content.roc || content.pr || content.confusion || content.residuals;
  if (values.size === 0 && !charts) return <p>This step reported no metrics.</p>;
  return (
    <div className="metrics-view">
      {values.size > 0 && (
        <table className="metrics-table">
          <caption>{content.task ? `Metrics (${content.task})` : "Metrics"}</caption>
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
