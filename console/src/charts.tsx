// Charts for the supervisor's figures, where a glance says more than a
// number: plain SVG drawn from the figures (no chart library), each an image
// with a text alternative that says every value it shows, so a screen reader
// hears what a sighted person sees. Colours come from style.css (.seg-*).
import type { ReactNode } from "react";

/** One coloured part of a bar: a value with its name and colour class. */
export interface Segment {
  name: string;
  value: number;
  className: string;
}

/** A labelled bar made of one or more segments, stacked left to right. */
export interface BarRow {
  label: string;
  segments: Segment[];
}

const width = 480;
const labelWidth = 130;
const valueWidth = 80;
const rowHeight = 30;
const barHeight = 18;

/** The text alternative of a bar chart: each row's segments with their values. */
export function describeBars(rows: BarRow[], format: (v: number) => string = String): string {
  if (rows.length === 0) return "no data";
  return rows.map((r) => `${r.label}: ${r.segments.map((s) => `${format(s.value)} ${s.name}`).join(", ")}`).join("; ");
}

/**
 * A horizontal bar chart, one row per label, segments stacked; bars scale to
 * max (the longest row by default). total labels each row's end.
 */
export function BarChart({
  title,
  rows,
  format = String,
  max,
  testId,
}: {
  title: string;
  rows: BarRow[];
  format?: (v: number) => string;
  max?: number;
  testId?: string;
}) {
  const plot = width - labelWidth - valueWidth;
  const top = Math.max(max ?? 0, ...rows.map((r) => r.segments.reduce((a, s) => a + s.value, 0)), Number.EPSILON);
  const height = Math.max(1, rows.length) * rowHeight;
  const names = uniqueSegments(rows);
  return (
    <figure className="chart" data-testid={testId}>
      <figcaption>{title}</figcaption>
      <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-label={`${title}: ${describeBars(rows, format)}`} preserveAspectRatio="xMinYMin meet">
        {rows.length === 0 && (
          <text x={0} y={20} className="chart-label">
            Nothing in this range.
          </text>
        )}
        {rows.map((r, i) => {
          let x = labelWidth;
          const y = i * rowHeight + (rowHeight - barHeight) / 2;
          const total = r.segments.reduce((a, s) => a + s.value, 0);
          return (
            <g key={r.label + i}>
              <text x={labelWidth - 8} y={y + barHeight - 4} textAnchor="end" className="chart-label">
                {clip(r.label, 17)}
              </text>
              {r.segments.map((s) => {
                const w = (plot * s.value) / top;
                const rect = <rect key={s.name} x={x} y={y} width={w} height={barHeight} className={s.className} data-value={s.value} />;
                x += w;
                return rect;
              })}
              <text x={x + 6} y={y + barHeight - 4} className="chart-value">
                {r.segments.length === 1 ? format(total) : r.segments.map((s) => format(s.value)).join(" / ")}
              </text>
            </g>
          );
        })}
      </svg>
      {names.length > 1 && <Legend items={names} />}
    </figure>
  );
}

/** One point of a series over time. */
export interface TimePoint {
  from: string;
  segments: Segment[];
}

/**
 * Columns over time, one per point, segments stacked bottom up, with a few
 * time labels under them. Its text alternative is a table of every point,
 * which a sighted reader can open too.
 */
export function TimeChart({ title, points, label, testId }: { title: string; points: TimePoint[]; label: (iso: string) => string; testId?: string }) {
  const height = 160;
  const axis = 20;
  const plot = height - axis;
  const top = Math.max(1, ...points.map((p) => p.segments.reduce((a, s) => a + s.value, 0)));
  const step = width / Math.max(1, points.length);
  const every = Math.max(1, Math.ceil(points.length / 6));
  const names = uniqueSegments(points.map((p) => ({ label: p.from, segments: p.segments })));
  const busiest = points.reduce<TimePoint | null>((b, p) => (!b || sum(p) > sum(b) ? p : b), null);
  const summary = points.length
    ? `${points.length} points from ${label(points[0].from)}, ${points.reduce((a, p) => a + sum(p), 0)} in all` +
      (busiest && sum(busiest) > 0 ? `, most at ${label(busiest.from)} (${sum(busiest)})` : "")
    : "no data";
  return (
    <figure className="chart" data-testid={testId}>
      <figcaption>{title}</figcaption>
      <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-label={`${title}: ${summary}. The table below lists every point.`}>
        <line x1={0} x2={width} y1={plot} y2={plot} className="chart-axis" />
        {points.map((p, i) => {
          let y = plot;
          return (
            <g key={p.from}>
              {p.segments.map((s) => {
                const h = (plot * s.value) / top;
                y -= h;
                return <rect key={s.name} x={i * step + 1} y={y} width={Math.max(1, step - 2)} height={h} className={s.className} data-value={s.value} />;
              })}
              {i % every === 0 && (
                <text x={i * step + 1} y={height - 5} className="chart-label">
                  {label(p.from)}
                </text>
              )}
            </g>
          );
        })}
        <text x={width - 4} y={12} textAnchor="end" className="chart-value">
          max {top}
        </text>
      </svg>
      {names.length > 1 && <Legend items={names} />}
      <details>
        <summary>As a table</summary>
        <table className="chart-table">
          <thead>
            <tr>
              <th scope="col">From</th>
              {names.map((n) => (
                <th scope="col" key={n.name}>
                  {n.name}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {points.map((p) => (
              <tr key={p.from}>
                <th scope="row">{label(p.from)}</th>
                {names.map((n) => (
                  <td key={n.name}>{p.segments.find((s) => s.name === n.name)?.value ?? 0}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}

function Legend({ items }: { items: { name: string; className: string }[] }): ReactNode {
  return (
    <ul className="legend" aria-hidden="true">
      {items.map((s) => (
        <li key={s.name}>
          <svg width="12" height="12" viewBox="0 0 12 12">
            <rect width="12" height="12" className={s.className} />
          </svg>{" "}
          {s.name}
        </li>
      ))}
    </ul>
  );
}

function uniqueSegments(rows: BarRow[]): { name: string; className: string }[] {
  const seen = new Map<string, string>();
  for (const r of rows) for (const s of r.segments) if (!seen.has(s.name)) seen.set(s.name, s.className);
  return [...seen].map(([name, className]) => ({ name, className }));
}

function sum(p: TimePoint): number {
  return p.segments.reduce((a, s) => a + s.value, 0);
}

function clip(s: string, n: number): string {
  return s.length > n ? s.slice(0, n - 1) + "…" : s;
}
