import { BarController, BarElement, CategoryScale, Chart, Filler, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip } from 'chart.js';

// Only what the line and bar charts use, so that the rest of Chart.js stays out of the bundle.
Chart.register(LineController, LineElement, PointElement, BarController, BarElement, LinearScale, CategoryScale, Filler, Tooltip, Legend);

export { Chart };

export interface SeriesPoint {
  /** Epoch milliseconds. */
  x: number;
  y: number | null;
}

/**
 * Inserts a break wherever consecutive points are further apart than `stepMs` allows, so that a
 * node that stopped reporting shows as a gap instead of a straight line across it.
 */
export function withGaps(points: SeriesPoint[], stepMs: number): SeriesPoint[] {
  const result: SeriesPoint[] = [];
  for (const [index, point] of points.entries()) {
    const previous = points[index - 1];
    if (previous && point.x - previous.x > stepMs * 2) result.push({ x: previous.x + stepMs, y: null });
    result.push(point);
  }
  return result;
}
