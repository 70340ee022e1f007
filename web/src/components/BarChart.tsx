/**
 * Bars over days with uPlot (loaded with the page that shows a chart, not with the app). The numbers are
 * also in a table for screen readers and for anyone who prefers to read them.
 */
import { useEffect, useRef } from 'react';
import type uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { formatDay } from '../format';

export interface Bar {
  /** ISO date or date-time of the bucket's start */
  start: string;
  value: number;
}

export function BarChart({
  bars,
  label,
  format,
  height = 200,
  whole = false,
}: {
  bars: Bar[];
  label: string;
  format: (value: number) => string;
  height?: number;
  /** counts: ticks on whole numbers only */
  whole?: boolean;
}) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el || bars.length === 0) return;
    let chart: uPlot | undefined;
    let gone = false;
    const observer = new ResizeObserver(() => chart?.setSize({ width: el.clientWidth, height }));
    void import('uplot').then(({ default: UPlot }) => {
      if (gone) return;
      const xs = bars.map((b) => new Date(b.start).getTime() / 1000);
      const ys = bars.map((b) => b.value);
      chart = new UPlot(
        {
          width: el.clientWidth || 320,
          height,
          legend: { show: false },
          cursor: { show: true, drag: { x: false, y: false } },
          scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max) * 1.1] } },
          axes: [
            { stroke: '#444', grid: { show: false } },
            {
              stroke: '#444',
              size: 70,
              values: (_u, splits) => splits.map((v) => format(v)),
              ...(whole ? { incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000] } : {}),
            },
          ],
          series: [
            {},
            {
              label,
              fill: '#0b5cad',
              stroke: '#0b5cad',
              paths: UPlot.paths.bars!({ size: [0.7, 48] }),
              points: { show: false },
            },
          ],
        },
        [xs, ys],
        el,
      );
      observer.observe(el);
    });
    return () => {
      gone = true;
      observer.disconnect();
      chart?.destroy();
    };
  }, [bars, label, format, height, whole]);

  return (
    <figure className="chart">
      <figcaption>{label}</figcaption>
      <div ref={box} className="chart-box" aria-hidden="true" data-bars={bars.length} />
      <table className="visually-hidden">
        <caption>{label}</caption>
        <thead>
          <tr>
            <th scope="col">Day</th>
            <th scope="col">Amount</th>
          </tr>
        </thead>
        <tbody>
          {bars.map((b) => (
            <tr key={b.start}>
              <td>{formatDay(b.start)}</td>
              <td>{format(b.value)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}
