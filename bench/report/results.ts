/** The result of a run (written as JSON), ratios to the baseline, and the targets. */
import type { Sizes } from '../options.js';
import type { ScenarioInfo, ScenarioRun } from '../scenarios/scenario.js';
import type { SoakSizes } from '../soak-options.js';

export interface TargetCheck {
  readonly target: string;
  readonly scenario: string;
  readonly description: string;
  readonly threshold: string;
  readonly value: number | null;
  /** Null when it could not be measured. */
  readonly met: boolean | null;
}

export interface BenchResult {
  readonly version: 1;
  readonly repeat: number;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly machine: {
    readonly cpus: number;
    readonly cpuModel: string;
    readonly memoryGiB: number;
    readonly node: string;
    readonly loadAverageAtStart: readonly number[];
  };
  readonly options: {
    readonly smoke: boolean;
    readonly sizes: Sizes;
    readonly subscriberProcesses: number;
    readonly publisherProcesses: number;
    readonly maxBufferedBytes: number;
    /** Present in a soak run's results. */
    readonly soak?: SoakSizes;
  };
  readonly targets: readonly { readonly name: string; readonly kind: string; readonly url?: string }[];
  readonly scenarios: readonly ScenarioInfo[];
  readonly runs: readonly ScenarioRun[];
  readonly checks: readonly TargetCheck[];
  /** Scenario groups that could not run on a target, and why. */
  readonly failures: readonly { readonly group: string; readonly target: string; readonly error: string }[];
}

/** Adds to every run the ratio of each metric to the baseline's in the same scenario. */
export function addRatios(runs: readonly ScenarioRun[], baseline = 'baseline'): void {
  for (const run of runs) {
    if (run.target === baseline) continue;
    const floor = runs.find((other) => other.scenario === run.scenario && other.target === baseline);
    if (floor === undefined) continue;
    const ratios: Record<string, number | null> = {};
    for (const [key, value] of Object.entries(run.metrics)) {
      const reference = floor.metrics[key];
      ratios[key] = value === null || reference === null || reference === undefined || reference === 0 ? null : value / reference;
    }
    run.ratios = ratios;
  }
}

interface Rule {
  readonly scenario: (id: string) => boolean;
  readonly description: string;
  readonly threshold: string;
  readonly value: (run: ScenarioRun) => number | null | undefined;
  readonly met: (value: number) => boolean;
}

/** The single-node fan-out scenarios (the two-node ones have no baseline to compare with). */
const singleNodeFanout = (id: string): boolean => id.startsWith('fanout-') && !id.startsWith('fanout-2node-');

const RULES: readonly Rule[] = [
  {
    scenario: singleNodeFanout,
    description: 'server CPU per delivery within 1.3x of the baseline',
    threshold: '<= 1.30x',
    value: (run) => run.ratios?.['cpuSecondsPerMillion'],
    met: (value) => value <= 1.3,
  },
  {
    scenario: (id) => singleNodeFanout(id) && id.endsWith('-paced'),
    description: 'paced p99 latency within 1.2x of the baseline',
    threshold: '<= 1.20x',
    value: (run) => run.ratios?.['p99Ms'],
    met: (value) => value <= 1.2,
  },
  {
    scenario: (id) => id.startsWith('idle-memory-'),
    description: 'at most 10 KB of memory per idle subscribed connection',
    threshold: '<= 10,240 B',
    value: (run) => run.metrics['bytesPerSocket'],
    met: (value) => value <= 10_240,
  },
  {
    scenario: (id) => id === 'http-api',
    description: 'at least 15,000 signed HTTP publishes per second on keep-alive',
    threshold: '>= 15,000/s',
    value: (run) => run.metrics['requestsPerSecond'],
    met: (value) => value >= 15_000,
  },
  {
    scenario: (id) => id === 'push',
    description: 'at least 3,000 encrypted notifications delivered per second to the local push service',
    threshold: '>= 3,000/s',
    value: (run) => run.metrics['deliveriesPerSecond'],
    met: (value) => value >= 3_000,
  },
  {
    scenario: (id) => id === 'push',
    description: 'a publish to the interest of every device answers within 1 s (warm process)',
    threshold: '<= 1,000 ms',
    value: (run) => run.metrics['publishAgainMs'],
    met: (value) => value <= 1_000,
  },
  {
    scenario: (id) => id === 'soak',
    description: 'RSS after GC grows under 5% from minute 5 to the end',
    threshold: '< 5%',
    value: (run) => run.metrics['rssGrowthPercent'],
    met: (value) => value < 5,
  },
  {
    scenario: (id) => id === 'soak',
    description: 'heap used after GC grows under 5% from minute 5 to the end',
    threshold: '< 5%',
    value: (run) => run.metrics['heapGrowthPercent'],
    met: (value) => value < 5,
  },
];

/** The targets, for every measured server but the baseline and its naive variant. */
export function checkTargets(runs: readonly ScenarioRun[]): TargetCheck[] {
  const checks: TargetCheck[] = [];
  for (const run of runs) {
    if (run.target === 'baseline' || run.target === 'naive') continue;
    for (const rule of RULES) {
      if (!rule.scenario(run.scenario)) continue;
      const value = rule.value(run) ?? null;
      checks.push({
        target: run.target,
        scenario: run.scenario,
        description: rule.description,
        threshold: rule.threshold,
        value,
        met: value === null ? null : rule.met(value),
      });
    }
  }
  return checks;
}

function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] ?? null) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

/**
 * One run per scenario and target: each metric the median over the repetitions; lost messages
 * and errors are added up, so that a failure in any repetition shows.
 */
export function medians(runs: readonly ScenarioRun[]): ScenarioRun[] {
  const groups = new Map<string, ScenarioRun[]>();
  for (const run of runs) {
    const key = `${run.scenario}\u0000${run.target}`;
    groups.set(key, [...(groups.get(key) ?? []), run]);
  }
  return [...groups.values()].map((group) => {
    const first = group[0] as ScenarioRun;
    if (group.length === 1) return first;
    const metrics: Record<string, number | null> = {};
    for (const key of Object.keys(first.metrics)) {
      metrics[key] = median(group.map((run) => run.metrics[key]).filter((value): value is number => typeof value === 'number'));
    }
    return {
      scenario: first.scenario,
      target: first.target,
      metrics,
      lost: group.reduce((total, run) => total + run.lost, 0),
      errors: group.reduce((total, run) => total + run.errors, 0),
      samples: group.flatMap((run) => run.samples).slice(0, 5),
      repeats: group.length,
      ...(first.timeline === undefined ? {} : { timeline: first.timeline }),
    };
  });
}
