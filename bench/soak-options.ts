/**
 * The soak run's workload (`npm run bench -- --soak`): how many connections, how much churn and
 * publishing, for how long, and how often memory is read. The full size is paced so that two
 * shared cores hold it with room to spare; `--smoke` shrinks it to seconds.
 */

export interface SoakSizes {
  /** Connections open at any time: stable subscribers plus churn loops. */
  readonly connections: number;
  /** Churn loops (each one connection at a time: connect, join, stay, leave, again). */
  readonly churners: number;
  /** Stable members of the presence channels (the churners join the same channels). */
  readonly presenceMembers: number;
  readonly presenceChannels: number;
  /** Public channels the stable subscribers share and the publishes go to, round-robin. */
  readonly publicChannels: number;
  /** Signed HTTP publishes per second, steady for the whole run. */
  readonly publishesPerSecond: number;
  /** How long a churner stays joined before it leaves. */
  readonly holdMs: number;
  readonly durationMs: number;
  /** Memory is read after a forced GC at the start and every interval. */
  readonly intervalMs: number;
  /** Growth is measured from the reading at this time to the last one. */
  readonly warmupMs: number;
}

const MINUTE_MS = 60_000;
/** The point from which memory must stay flat. */
const WARMUP_MS = 5 * MINUTE_MS;

export const SOAK_FULL: SoakSizes = {
  connections: 10_000,
  churners: 1_000,
  presenceMembers: 3_000,
  presenceChannels: 50,
  publicChannels: 100,
  publishesPerSecond: 20,
  holdMs: 20_000,
  durationMs: 30 * MINUTE_MS,
  intervalMs: MINUTE_MS,
  warmupMs: WARMUP_MS,
};

export const SOAK_SMOKE: SoakSizes = {
  connections: 60,
  churners: 12,
  presenceMembers: 12,
  presenceChannels: 3,
  publicChannels: 4,
  publishesPerSecond: 20,
  holdMs: 300,
  durationMs: 3_000,
  intervalMs: 1_000,
  warmupMs: 1_000,
};

/**
 * The soak sizes for `--soak [--smoke] [--soak-minutes N] [--soak-interval SECONDS]`. A run
 * shorter than 30 minutes measures growth from a sixth of its length instead of minute 5.
 */
export function soakSizes(smoke: boolean, minutes: number | undefined, intervalSeconds: number | undefined): SoakSizes {
  const base = smoke ? SOAK_SMOKE : SOAK_FULL;
  const durationMs = minutes === undefined ? base.durationMs : Math.round(minutes * MINUTE_MS);
  const intervalMs = intervalSeconds === undefined ? Math.min(base.intervalMs, durationMs / 3) : Math.round(intervalSeconds * 1000);
  return { ...base, durationMs, intervalMs, warmupMs: Math.min(base.warmupMs, durationMs / 6) };
}

/** Stable subscribers per public channel: every publish reaches exactly this many of them. */
export function soakPublicPerChannel(sizes: SoakSizes): number {
  return Math.max(1, Math.floor((sizes.connections - sizes.churners - sizes.presenceMembers) / sizes.publicChannels));
}
