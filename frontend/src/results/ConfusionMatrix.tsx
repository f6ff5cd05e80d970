// A confusion matrix as an HTML table heat map: every count is text in a headed cell, the colour
// only repeats it.
import type { ConfusionMatrix as Matrix } from "./metrics";

function shade(value: number, max: number): { background: string; color: string } {
  const t = max > 0 ? value / max : 0;
  // from white to a mid blue, dark text throughout: the darkest cell still has 5:1 contrast (a
  // switch to white text on darker blues left the cells around the switch near 2.6:1, below WCAG AA)
  const mix = (a: number, b: number) => Math.round(a + (b - a) * t);
  return { background: `rgb(${mix(255, 110)}, ${mix(255, 150)}, ${mix(255, 225)})`, color: "#1d2330" };
}

export function ConfusionMatrix({ data }: { data: Matrix }) {
  const max = Math.max(0, ...data.matrix.flat());
  const total = data.matrix.flat().reduce((a, b) => a + b, 0);
  return (
    <figure className="chart">
      <table className="confusion-matrix">
        <caption>Confusion matrix: rows are the actual class, columns the predicted class ({total} rows)</caption>
        <thead>
          <tr>
            <td />
            {data.labels.map((label) => (
              <th key={label} scope="col">
                Predicted {label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {data.matrix.map((row, i) => (
            <tr key={data.labels[i]}>
              <th scope="row">Actual {data.labels[i]}</th>
              {row.map((count, j) => (
                <td key={data.labels[j]} style={shade(count, max)} className={i === j ? "diagonal" : undefined}>
                  {count}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}
