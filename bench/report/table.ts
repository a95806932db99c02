/** The plain-text report printed at the end of a run. */
import type { BenchResult } from './results.js';
import { formatMetric, formatRatio, METRICS } from './metrics.js';

function pad(cells: readonly string[][]): string {
  const widths = cells[0]?.map((_, column) => Math.max(...cells.map((row) => (row[column] ?? '').length))) ?? [];
  return cells.map((row) => row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0))).join('  ')).join('\n');
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
          check.value === null ? 'n/a' : check.threshold.includes('x') ? formatRatio(check.value) : formatMetric('requestsPerSecond', check.value),
          check.met === null ? 'n/a' : check.met ? 'yes' : 'NO',
        ]),
      ]),
    );
  }
  for (const failure of result.failures) out.push(`FAILED ${failure.group} on ${failure.target}: ${failure.error}`);
  return out.join('\n');
}
