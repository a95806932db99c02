/**
 * The chart written beside the JSON: server CPU per million deliveries per target (top), and each
 * scenario's two headline metrics as a ratio to the baseline on a log scale (bottom). Plain SVG
 * text, no library: a few rectangles and labels.
 */
import type { BenchResult } from './results.js';
import { formatMetric, METRICS } from './metrics.js';

const WIDTH = 1000;
const LABEL_WIDTH = 330;
const BAR_HEIGHT = 14;
const GAP = 4;
const COLORS: Readonly<Record<string, string>> = { baseline: '#7f8c8d', switchboard: '#2e86de', naive: '#e17055' };
const EXTRA_COLORS = ['#00b894', '#6c5ce7', '#fdcb6e'];

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function colorOf(target: string, targets: readonly string[]): string {
  return COLORS[target] ?? EXTRA_COLORS[targets.indexOf(target) % EXTRA_COLORS.length] ?? '#333';
}

function text(x: number, y: number, content: string, attributes = ''): string {
  return `<text x="${x}" y="${y}" ${attributes}>${escape(content)}</text>`;
}

export function renderSvg(result: BenchResult): string {
  const targets = result.targets.map((target) => target.name);
  const parts: string[] = [];
  let y = 30;
  parts.push(text(10, y, `Switchboard benchmark, ${result.finishedAt.slice(0, 16).replace('T', ' ')} UTC, ${result.machine.cpus} cores, Node ${result.machine.node}`, 'font-size="15" font-weight="bold"'));
  y += 20;
  targets.forEach((target, index) => {
    parts.push(`<rect x="${10 + index * 140}" y="${y - 10}" width="12" height="12" fill="${colorOf(target, targets)}"/>`);
    parts.push(text(28 + index * 140, y, target, 'font-size="12"'));
  });
  y += 30;

  // Panel 1: server CPU per million deliveries in fan-out, where encoding once and coalescing show.
  const cpuRuns = result.runs.filter((run) => run.scenario.startsWith('fanout-') && typeof run.metrics['cpuSecondsPerMillion'] === 'number');
  const maxCpu = Math.max(0.001, ...cpuRuns.map((run) => run.metrics['cpuSecondsPerMillion'] ?? 0));
  parts.push(text(10, y, 'Fan-out: server CPU seconds per million deliveries (lower is better)', 'font-size="13" font-weight="bold"'));
  y += 16;
  const scale = (WIDTH - LABEL_WIDTH - 110) / maxCpu;
  for (const scenario of result.scenarios) {
    const runs = cpuRuns.filter((run) => run.scenario === scenario.id);
    if (runs.length === 0) continue;
    parts.push(text(10, y + BAR_HEIGHT - 2, scenario.id, 'font-size="12"'));
    for (const run of runs) {
      const value = run.metrics['cpuSecondsPerMillion'] ?? 0;
      const width = Math.max(1, value * scale);
      parts.push(`<rect x="${LABEL_WIDTH}" y="${y}" width="${width.toFixed(1)}" height="${BAR_HEIGHT}" fill="${colorOf(run.target, targets)}"/>`);
      parts.push(text(LABEL_WIDTH - 8, y + BAR_HEIGHT - 3, run.target, 'font-size="11" text-anchor="end" fill="#555"'));
      parts.push(text(LABEL_WIDTH + width + 5, y + BAR_HEIGHT - 3, `${formatMetric('cpuSecondsPerMillion', value)} s`, 'font-size="11"'));
      y += BAR_HEIGHT + GAP;
    }
    y += 8;
  }

  // Panel 2: ratios to the baseline, log scale from 1/16x to 16x.
  y += 14;
  parts.push(text(10, y, 'Ratio to the baseline measured in the same run (log scale; 1x = the floor)', 'font-size="13" font-weight="bold"'));
  y += 10;
  const axisLeft = LABEL_WIDTH;
  const axisWidth = WIDTH - LABEL_WIDTH - 110;
  const center = axisLeft + axisWidth / 2;
  const unit = axisWidth / 8; // log2 from -4 to +4
  const top = y;
  for (let power = -4; power <= 4; power += 1) {
    const x = center + power * unit;
    parts.push(`<line x1="${x}" y1="${top}" x2="${x}" y2="__BOTTOM__" stroke="${power === 0 ? '#000' : '#ddd'}" stroke-width="${power === 0 ? 1.5 : 1}"/>`);
    parts.push(text(x, top + 12, power >= 0 ? `${2 ** power}x` : `1/${2 ** -power}x`, 'font-size="10" text-anchor="middle" fill="#777"'));
  }
  y += 20;
  for (const scenario of result.scenarios) {
    const runs = result.runs.filter((run) => run.scenario === scenario.id && run.ratios !== undefined);
    for (const key of scenario.columns.slice(0, 2)) {
      if (runs.length === 0) continue;
      const info = METRICS[key];
      parts.push(text(10, y + BAR_HEIGHT - 2, `${scenario.id} · ${info?.label ?? key} (${info?.better ?? ''} is better)`, 'font-size="11"'));
      for (const run of runs) {
        const ratio = run.ratios?.[key] ?? null;
        if (ratio === null || ratio <= 0) continue;
        const power = Math.max(-4, Math.min(4, Math.log2(ratio)));
        const x = power >= 0 ? center : center + power * unit;
        parts.push(`<rect x="${x.toFixed(1)}" y="${y}" width="${Math.max(1, Math.abs(power) * unit).toFixed(1)}" height="${BAR_HEIGHT - 2}" fill="${colorOf(run.target, targets)}"/>`);
        parts.push(text(WIDTH - 100, y + BAR_HEIGHT - 4, `${run.target.slice(0, 12)} ${ratio.toFixed(2)}x`, 'font-size="10"'));
        y += BAR_HEIGHT + 1;
      }
      y += 6;
    }
  }
  const height = y + 20;
  const body = parts.join('\n').replace(/__BOTTOM__/g, String(y));
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif">\n` +
    `<rect width="100%" height="100%" fill="#fff"/>\n${body}\n</svg>\n`
  );
}
