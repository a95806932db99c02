/** The plain-text report printed at the end of a run. */
import type { TimelineSample } from '../scenarios/scenario.js';
import { clock } from '../scenarios/soak.js';
import type { BenchResult, TargetCheck } from './results.js';
import { formatMetric, formatRatio, METRICS } from './metrics.js';

function pad(cells: readonly string[][]): string {
  const widths = cells[0]?.map((_, column) => Math.max(...cells.map((row) => (row[column] ?? '').length))) ?? [];
  return cells.map((row) => row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0))).join('  ')).join('\n');
}

function formatCheck(check: TargetCheck): string {
  if (check.value === null) return 'n/a';
  if (check.threshold.includes('x')) return formatRatio(check.value);
  if (check.threshold.endsWith('%')) return `${check.value.toFixed(2)}%`;
  return formatMetric('requestsPerSecond', check.value);
}

function number(value: number | null, digits: number): string {
  return value === null ? 'n/a' : value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** A long run's readings, one row each. */
function renderTimeline(target: string, timeline: readonly TimelineSample[]): string {
  const header = [`  ${target} over time: m:ss`, 'RSS MiB', 'heap used MiB', 'external MiB', 'stable open', 'received', 'server cores'];
  const rows = timeline.map((sample) => [
    `  ${clock(sample.seconds)}`,
    number(sample.rssMiB, 1),
    number(sample.heapUsedMiB, 1),
    number(sample.externalMiB, 1),
    String(sample.open),
    String(sample.received),
    number(sample.serverCores, 2),
  ]);
  return pad([header, ...rows]);
}

export function renderTable(result: BenchResult): string {
  const out: string[] = [];
  for (const scenario of result.scenarios) {
    const runs = result.runs.filter((run) => run.scenario === scenario.id);
    if (runs.length === 0) continue;
    const w = scenario.workload;
    out.push(`${scenario.id}: ${scenario.title}`);
    out.push(
      `  workload: ${w.connections} connections, ${w.channelsPerConnection} channel(s) each, ` +
        `${w.publishesPerSecond ?? '-'} publishes/s, ${w.subscribersPerPublish ?? '-'} subscribers/publish, ` +
        `${w.payloadBytes ?? '-'} B payload, ${w.transport}${w.durationSeconds === null ? '' : `, ${w.durationSeconds} s`}; ${w.notes}`,
    );
    const header = ['  target', ...scenario.columns.map((key) => METRICS[key]?.label ?? key), 'errors', `${METRICS[scenario.columns[0] ?? '']?.label ?? ''} vs baseline`];
    const rows = runs.map((run) => [
      `  ${run.target}`,
      ...scenario.columns.map((key) => formatMetric(key, run.metrics[key])),
      String(run.errors),
      run.ratios === undefined ? '-' : formatRatio(run.ratios[scenario.columns[0] ?? '']),
    ]);
    out.push(pad([header, ...rows]));
    for (const run of runs) for (const sample of run.samples) out.push(`  ! ${run.target}: ${sample}`);
    for (const run of runs) if (run.timeline !== undefined) out.push(renderTimeline(run.target, run.timeline));
    out.push('');
  }
  if (result.checks.length > 0) {
    out.push('Targets:');
    out.push(
      pad([
        ['  target', 'scenario', 'goal', 'measured', 'met'],
        ...result.checks.map((check) => [
          `  ${check.target}`,
          check.scenario,
          `${check.description} (${check.threshold})`,
          formatCheck(check),
          check.met === null ? 'n/a' : check.met ? 'yes' : 'NO',
        ]),
      ]),
    );
  }
  for (const failure of result.failures) out.push(`FAILED ${failure.group} on ${failure.target}: ${failure.error}`);
  return out.join('\n');
}
