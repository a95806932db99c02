/** What a scenario is, what it reports, and the context it runs in. */
import type { GeneratorPool } from '../generator/pool.js';
import type { Progress } from '../progress.js';
import type { RunningTarget, TargetKind } from '../servers/targets.js';
import type { Sizes } from '../options.js';
import type { ConfigInput } from '../../src/config/schema.js';

/** The workload, stated as the issue asks: who connects, what is published, how much. */
export interface Workload {
  readonly connections: number;
  readonly channelsPerConnection: number;
  /** A number, or "max" when publishers send as fast as answers come back. */
  readonly publishesPerSecond: number | 'max' | null;
  readonly subscribersPerPublish: number | null;
  readonly payloadBytes: number | null;
  readonly transport: string;
  readonly durationSeconds: number | null;
  readonly notes: string;
}

export interface ScenarioInfo {
  readonly id: string;
  readonly title: string;
  readonly workload: Workload;
  /** Metric keys shown in the table, in order. */
  readonly columns: readonly string[];
}

/** One scenario measured on one target. */
export interface ScenarioRun {
  readonly scenario: string;
  readonly target: string;
  readonly metrics: Readonly<Record<string, number | null>>;
  /** Messages that should have arrived and did not. */
  readonly lost: number;
  /** Failed connections, non-200 answers, pusher:error messages, unexpected closes. */
  readonly errors: number;
  /** A few error messages, to say what went wrong. */
  readonly samples: readonly string[];
  /** Repetitions the metrics are the median of (absent: one). */
  readonly repeats?: number;
  /** Each metric divided by the baseline's in the same run. */
  ratios?: Record<string, number | null>;
  /** Readings over time (the soak run), oldest first. */
  readonly timeline?: readonly TimelineSample[];
}

/** One reading during a long run: the server's memory after a forced GC, and the clients' view. */
export interface TimelineSample {
  /** Since the workload started. */
  readonly seconds: number;
  readonly rssMiB: number | null;
  readonly heapUsedMiB: number | null;
  readonly externalMiB: number | null;
  /** Connections the generator held open (the stable ones; churners come and go). */
  readonly open: number;
  /** Benchmark events received so far. */
  readonly received: number;
  /** Server CPU cores since the previous reading. */
  readonly serverCores: number | null;
}

export interface ScenarioContext {
  readonly pool: GeneratorPool;
  readonly sizes: Sizes;
  readonly progress: Progress;
  /** Every node started for this run of the group; the first is the `target` run is given. */
  readonly nodes: readonly RunningTarget[];
  /** The run's scratch folder (removed at the end), the one `configure` was given. */
  readonly workdir: string;
}

export interface ScenarioGroup {
  readonly id: string;
  readonly scenarios: readonly ScenarioInfo[];
  /** The kinds of target it runs against (the naive variant only where delivery is measured). */
  readonly kinds: readonly TargetKind[];
  /** Several nodes of each target on a bus of the machine (default: one node, no bus). */
  readonly cluster?: { readonly driver: 'redis' | 'nats'; readonly nodes: number };
  /** Switchboard as `switchboard start --workers N` on a bus (other targets: one process). */
  readonly workers?: { readonly driver: 'redis' | 'nats'; readonly count: number };
  /** Runs only when named in --scenarios (too long or too large for the default run). */
  readonly optIn?: boolean;
  /** What this group needs of a Switchboard target beyond the common settings (push: storage and push on). */
  configure?(config: ConfigInput, workdir: string): ConfigInput;
  run(context: ScenarioContext, target: RunningTarget): Promise<ScenarioRun[]>;
}
