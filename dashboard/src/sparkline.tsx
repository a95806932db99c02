/** A small SVG line chart of recent values, scaled to its largest; fixed size, so nothing moves. */
const WIDTH = 160;
const HEIGHT = 32;

export function Sparkline(props: { values: readonly number[]; label: string }): preact.JSX.Element {
  const { values } = props;
  const top = Math.max(1, ...values);
  const step = values.length > 1 ? WIDTH / (values.length - 1) : WIDTH;
  const points = values.map((value, index) => `${(index * step).toFixed(1)},${(HEIGHT - 2 - (value / top) * (HEIGHT - 4)).toFixed(1)}`).join(' ');
  return (
    <svg class="sparkline" width={WIDTH} height={HEIGHT} viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={`${props.label}: highest ${top}`}>
      {values.length > 1 && <polyline points={points} fill="none" stroke="currentColor" stroke-width="1.5" />}
    </svg>
  );
}
