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
});
