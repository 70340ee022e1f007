/** Data left as a ring: the arc is what is left, the words say it too (the ring is only a picture). */
import { formatBytes } from '../format';

export function Gauge({ left, total, size = 148 }: { left: number; total: number; size?: number }) {
  const share = total > 0 ? Math.min(1, Math.max(0, left / total)) : 0;
  const r = 42;
  const length = 2 * Math.PI * r;
  const tone = share <= 0.2 ? 'low' : share <= 0.5 ? 'mid' : 'ok';
  const words = `${formatBytes(left)} left of ${formatBytes(total)}`;
  return (
    <figure className={`gauge ${tone}`} data-left={left} data-total={total}>
      <svg viewBox="0 0 100 100" width={size} height={size} role="img" aria-label={words}>
        <circle className="track" cx="50" cy="50" r={r} />
        <circle
          className="arc"
          cx="50"
          cy="50"
          r={r}
          strokeDasharray={`${share * length} ${length}`}
          transform="rotate(-90 50 50)"
        />
        <text x="50" y="48" textAnchor="middle" className="big">
          {Math.round(share * 100)}%
        </text>
        <text x="50" y="62" textAnchor="middle" className="small">
          left
        </text>
      </svg>
      <figcaption>{words}</figcaption>
    </figure>
  );
}
