import { useI18n } from '../i18n/i18n';
import { counterLabel, type Count } from './counters';

const ROW = 28;
const LABEL_WIDTH = 150;
const BAR_WIDTH = 360;
const WIDTH = LABEL_WIDTH + BAR_WIDTH + 70;

/**
 * A horizontal bar chart in plain SVG (no chart library: a dozen bars need none). It is one image to
 * a screen reader (`role="img"`, `summary` as its name); the same numbers are in the table beside it.
 * Bars are drawn against `scale` (the task's total numbers, or all SMS), so they compare across renders.
 */
export function BarChart({ counts, scale, summary }: { counts: readonly Count[]; scale: number; summary: string }) {
  const { t } = useI18n();
  const height = counts.length * ROW;
  return (
    <svg className="bar-chart" role="img" aria-label={summary} viewBox={`0 0 ${WIDTH} ${height}`} width={WIDTH} height={height}>
      {counts.map(({ counter, count }, i) => {
        const y = i * ROW;
        const width = scale > 0 ? Math.round((count / scale) * BAR_WIDTH) : 0;
        return (
          <g key={counter} className={`bar bar-${counter}`}>
            <text x={LABEL_WIDTH - 8} y={y + ROW / 2} textAnchor="end" dominantBaseline="middle">
              {t(counterLabel(counter))}
            </text>
            <rect className="bar-track" x={LABEL_WIDTH} y={y + 6} width={BAR_WIDTH} height={ROW - 12} rx={3} />
            <rect className="bar-fill" x={LABEL_WIDTH} y={y + 6} width={width} height={ROW - 12} rx={3} />
            <text x={LABEL_WIDTH + BAR_WIDTH + 8} y={y + ROW / 2} dominantBaseline="middle">
              {count}
            </text>
          </g>
        );
      })}
    </svg>
  );
}

/** The chart's words for a screen reader: "12 Answered, 3 Busy, …". */
export function chartList(t: ReturnType<typeof useI18n>['t'], counts: readonly Count[]): string {
  return counts.map(({ counter, count }) => t('detail.chartItem', { count, label: t(counterLabel(counter)) })).join(', ');
}
