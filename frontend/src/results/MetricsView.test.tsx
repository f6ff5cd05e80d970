import { describe, expect, it } from "vitest";
import { render, screen, within } from "@testing-library/react";
import { MetricsView } from "./MetricsView";
import { readMetrics, sampleIndices } from "./metrics";

// what Evaluate Model writes for a binary classifier and for a regressor
const classifier = {
  task: "classification",
  rows: 6,
  accuracy: 0.8333,
  roc_auc: 0.9,
  curves: {
    roc: { fpr: [0, 0, 0.5, 1], tpr: [0, 0.667, 1, 1], thresholds: [null, 0.9, 0.4, 0.1], auc: 0.9 },
    pr: { recall: [1, 1, 0.667, 0], precision: [0.5, 0.75, 1, 1], thresholds: [0.1, 0.4, 0.9], average_precision: 0.92 },
  },
  confusion_matrix: { labels: ["no", "yes"], matrix: [[2, 1], [0, 3]] },
};

const regressor = {
  task: "regression",
  rows: 4,
  mae: 0.5,
  curves: { residuals: { actual: [1, 2, 3, 4], predicted: [1.5, 2, 2.5, 4.5] } },
};

// what Evaluate Model writes for three classes, for clusters, and for two regressors compared
const multiclass = {
  task: "classification",
  kind: "multiclass",
  rows: 9,
  classes: 3,
  average: "weighted",
  accuracy: 0.7778,
  roc_auc: 0.91,
  roc_auc_average: "one-vs-rest, weighted",
  curves: {},
  per_class: [
    { class: "setosa", precision: 1, recall: 1, f1: 1, support: 3 },
    { class: "versicolor", precision: 0.6667, recall: 0.6667, f1: 0.6667, support: 3 },
    { class: "virginica", precision: 0.6667, recall: 0.6667, f1: 0.6667, support: 3 },
  ],
  averages: {
    macro: { precision: 0.7778, recall: 0.7778, f1: 0.7778 },
    micro: { precision: 0.7778, recall: 0.7778, f1: 0.7778 },
    weighted: { precision: 0.7778, recall: 0.7778, f1: 0.7778 },
  },
  confusion_matrix: { labels: ["setosa", "versicolor", "virginica"], matrix: [[3, 0, 0], [0, 2, 1], [0, 1, 2]] },
};

const clusters = {
  task: "clustering",
  rows: 10,
  clusters: 2,
  silhouette: 0.55,
  cluster_sizes: [{ cluster: 0, rows: 6 }, { cluster: 1, rows: 4 }],
};

const compared = {
  ...regressor,
  comparison: {
    labels: ["Scored dataset", "Scored dataset to compare"],
    metrics: [
      { metric: "rows", left: 4, right: 4, difference: 0 },
      { metric: "mae", left: 0.5, right: 0.25, difference: -0.25 },
      { metric: "r2", left: 0.6, right: null, difference: null },
    ],
    right: { task: "regression", mae: 0.25 },
  },
};

describe("metrics of a step", () => {
  it("reads scalars, curves and the confusion matrix, wherever the matrix sits", () => {
    const content = readMetrics(classifier);
    expect(content.task).toBe("classification");
    expect(content.scalars.map((s) => s.name)).toEqual(["rows", "accuracy", "roc_auc"]);
    expect(content.roc?.auc).toBe(0.9);
    expect(content.pr?.averagePrecision).toBe(0.92);
    expect(content.confusion?.labels).toEqual(["no", "yes"]);
    const nested = readMetrics({ curves: { confusion_matrix: classifier.confusion_matrix } });
    expect(nested.confusion).toEqual(content.confusion);
  });

  it("leaves out a malformed curve instead of drawing nonsense", () => {
    const content = readMetrics({ curves: { roc: { fpr: [0, 1], tpr: [1] }, residuals: { actual: "x" } } });
    expect(content.roc).toBeNull();
    expect(content.residuals).toBeNull();
    expect(readMetrics(null).scalars).toEqual([]);
  });

  it("samples long curves evenly, keeping both ends", () => {
    const picked = sampleIndices(10_001, 500);
    expect(picked.length).toBeLessThanOrEqual(500);
    expect(picked[0]).toBe(0);
    expect(picked[picked.length - 1]).toBe(10_000);
    expect(sampleIndices(3, 500)).toEqual([0, 1, 2]);
  });

  it("shows a classifier's values, ROC and precision-recall charts with tables, and the confusion matrix", () => {
    render(<MetricsView reported={{ loss: 0.25 }} json={classifier} />);
    const values = screen.getByRole("table", { name: /Metrics \(classification\)/ });
    expect(within(values).getByRole("rowheader", { name: "accuracy" })).toBeInTheDocument();
    expect(within(values).getByRole("rowheader", { name: "loss" })).toBeInTheDocument();
    const roc = screen.getByRole("figure", { name: "ROC curve (AUC 0.9)" });
    expect(within(roc).getByRole("img", { name: /true positive rate against false positive rate/ })).toBeInTheDocument();
    const rocTable = within(roc).getByRole("table", { hidden: true });
    const rocRows = within(rocTable).getAllByRole("row", { hidden: true });
    expect(rocRows).toHaveLength(1 + classifier.curves.roc.fpr.length);
    // the first point has no threshold (nothing predicted positive)
    expect([...rocRows[1].children].map((c) => c.textContent)).toEqual(["0", "0", "—"]);
    expect([...rocRows[2].children].map((c) => c.textContent)).toEqual(["0", "0.667", "0.9"]);
    expect(screen.getByRole("figure", { name: /Precision-recall curve \(average precision 0\.92\)/ })).toBeInTheDocument();
    const matrix = screen.getByRole("table", { name: /Confusion matrix/ });
    expect(within(matrix).getByRole("columnheader", { name: "Predicted yes" })).toBeInTheDocument();
    const actualNo = within(matrix).getByRole("row", { name: /Actual no/ });
    expect(within(actualNo).getAllByRole("cell").map((c) => c.textContent)).toEqual(["2", "1"]);
    expect(screen.queryByRole("figure", { name: "Residuals" })).not.toBeInTheDocument();
  });

  it("shows a regressor's residual plot and predicted against actual", () => {
    render(<MetricsView reported={{}} json={regressor} />);
    const residuals = screen.getByRole("figure", { name: "Residuals" });
    const rows = within(residuals).getAllByRole("row", { hidden: true }).slice(1);
    // residual = actual - predicted, as the table alternative lists it
    expect(rows.map((r) => r.lastElementChild?.textContent)).toEqual(["-0.5", "0", "0.5", "-0.5"]);
    expect(screen.getByRole("figure", { name: "Predicted against actual" })).toBeInTheDocument();
    expect(screen.queryByRole("figure", { name: /ROC/ })).not.toBeInTheDocument();
  });

  it("says so when a step reported no metrics", () => {
    render(<MetricsView reported={{}} json={undefined} />);
    expect(screen.getByText("This step reported no metrics.")).toBeInTheDocument();
  });

  it("reads the per-class, averaging, cluster and comparison tables, and skips malformed ones", () => {
    const content = readMetrics(multiclass);
    expect(content.kind).toBe("multiclass");
    expect(content.perClass?.map((r) => r.label)).toEqual(["setosa", "versicolor", "virginica"]);
    expect(content.averages?.map((r) => r.average)).toEqual(["macro", "micro", "weighted"]);
    expect(readMetrics(clusters).clusterSizes).toEqual([{ cluster: "0", rows: 6 }, { cluster: "1", rows: 4 }]);
    expect(readMetrics(compared).comparison?.rows[1]).toEqual({ metric: "mae", left: 0.5, right: 0.25, difference: -0.25 });
    const broken = readMetrics({ per_class: [{ precision: 1 }], cluster_sizes: [{ cluster: 0 }], comparison: { metrics: "x" } });
    expect([broken.perClass, broken.clusterSizes, broken.comparison]).toEqual([null, null, null]);
  });

  it("shows a multiclass classifier's per-class table, its averages and a three-class confusion matrix", () => {
    render(<MetricsView reported={{}} json={multiclass} />);
    expect(screen.getByRole("table", { name: "Metrics (multiclass classification)" })).toBeInTheDocument();
    const perClass = screen.getByRole("table", { name: /Per-class metrics/ });
    const versicolor = within(perClass).getByRole("row", { name: /versicolor/ });
    expect(within(versicolor).getAllByRole("cell").map((c) => c.textContent)).toEqual(["0.6667", "0.6667", "0.6667", "3"]);
    const averages = screen.getByRole("table", { name: "Averaged over classes (the metrics above use weighted)" });
    expect(within(averages).getAllByRole("rowheader").map((c) => c.textContent)).toEqual(["macro", "micro", "weighted"]);
    expect(within(averages).getByRole("row", { name: /weighted/ })).toHaveAttribute("aria-current", "true");
    const matrix = screen.getByRole("table", { name: /Confusion matrix/ });
    expect(within(matrix).getAllByRole("columnheader").map((c) => c.textContent)).toEqual([
      "Predicted setosa", "Predicted versicolor", "Predicted virginica",
    ]);
    const actual = within(matrix).getByRole("row", { name: /Actual virginica/ });
    expect(within(actual).getAllByRole("cell").map((c) => c.textContent)).toEqual(["0", "1", "2"]);
    expect(screen.queryByRole("figure", { name: /ROC/ })).not.toBeInTheDocument();
  });

  it("shows the sizes of clusters with their shares", () => {
    render(<MetricsView reported={{}} json={clusters} />);
    const sizes = screen.getByRole("table", { name: "Cluster sizes (10 rows)" });
    const first = within(sizes).getByRole("row", { name: /^0/ });
    expect(within(first).getAllByRole("cell").map((c) => c.textContent)).toEqual(["6", "60%"]);
  });

  it("shows two scored inputs side by side with the difference, and the second's values only there", () => {
    render(<MetricsView reported={{ mae: 0.5, compared_mae: 0.25 }} json={compared} />);
    const table = screen.getByRole("table", { name: "Side by side: Scored dataset and Scored dataset to compare" });
    expect(within(table).getAllByRole("columnheader").map((c) => c.textContent)).toEqual([
      "Metric", "Scored dataset", "Scored dataset to compare", "Difference (second − first)",
    ]);
    const mae = within(table).getByRole("row", { name: /^mae/ });
    expect(within(mae).getAllByRole("cell").map((c) => c.textContent)).toEqual(["0.5", "0.25", "-0.25"]);
    const r2 = within(table).getByRole("row", { name: /^r2/ });
    expect(within(r2).getAllByRole("cell").map((c) => c.textContent)).toEqual(["0.6", "—", "—"]);
    const values = screen.getByRole("table", { name: "Metrics (regression)" });
    expect(within(values).queryByRole("rowheader", { name: "compared_mae" })).not.toBeInTheDocument();
  });
});
