/**
 * One benchmark run: for every scenario group and every target, a fresh server process, the
 * workload from the generator processes, and the measured runs; then ratios and targets.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import type { ConfigInput } from '../src/config/schema.js';
import { GeneratorPool } from './generator/pool.js';
import type { BenchOptions } from './options.js';
import { Progress } from './progress.js';
import { addRatios, checkTargets, medians, type BenchResult } from './report/results.js';
import { closeAll } from './scenarios/fleet.js';
import { scenarioGroups } from './scenarios/index.js';
import type { ScenarioGroup, ScenarioRun } from './scenarios/scenario.js';
import { soakGroup } from './scenarios/soak.js';
import { startTarget, type ClusterBus, type LaunchOptions, type RunningTarget, type TargetSpec } from './servers/targets.js';

/**
 * The group's nodes of one target: one, or `cluster.nodes` on a bus with a prefix of their own;
 * Switchboard with `workers` is one `switchboard start --workers N` on a bus. External servers are
 * one node, as given.
 */
async function startNodes(group: ScenarioGroup, spec: TargetSpec, launch: LaunchOptions): Promise<RunningTarget[]> {
  const prefix = `bench-${process.pid}-${Date.now()}`;
  if (group.workers !== undefined && spec.kind === 'switchboard') {
    const bus: ClusterBus = { driver: group.workers.driver, prefix, nodes: group.workers.count };
    return [await startTarget(spec, { ...launch, bus, workers: group.workers.count })];
  }
  if (group.cluster === undefined || spec.kind === 'external') return [await startTarget(spec, launch)];
  const bus: ClusterBus = { driver: group.cluster.driver, prefix, nodes: group.cluster.nodes };
  const nodes: RunningTarget[] = [];
  try {
    for (let index = 0; index < group.cluster.nodes; index += 1) nodes.push(await startTarget(spec, { ...launch, bus }));
  } catch (error) {
    await Promise.all(nodes.map((node) => node.stop()));
    throw error;
  }
  return nodes;
}

export async function runBenchmark(options: BenchOptions): Promise<BenchResult> {
  const startedAt = new Date();
  const loadAverageAtStart = loadavg();
  const progress = new Progress(options.progress);
  // The soak run is on its own: it takes half an hour and measures something else (drift).
  const candidates = options.soak === undefined ? scenarioGroups(options.sizes) : [soakGroup(options.soak, options.sizes.payloadBytes)];
  const named = (group: ScenarioGroup): boolean => options.only.includes(group.id) || group.scenarios.some((scenario) => options.only.includes(scenario.id));
  const groups = candidates.filter((group) => (options.only.length === 0 && group.optIn !== true) || named(group));
  if (groups.length === 0) throw new Error(`no scenario matches ${options.only.join(', ')}`);
  // Targets take turns within each repetition, so that drifting load on the machine falls on all.
  const once = groups.flatMap((group) => options.targets.filter((target) => group.kinds.includes(target.kind)).map((target) => ({ group, target })));
  const plan = Array.from({ length: options.repeat }, () => once).flat();
  const pool = new GeneratorPool(options.subscriberProcesses, options.publisherProcesses);
  const workdir = await mkdtemp(join(tmpdir(), 'switchboard-bench-'));
  const runs: ScenarioRun[] = [];
  const failures: { group: string; target: string; error: string }[] = [];
  try {
    for (const [index, { group, target: spec }] of plan.entries()) {
      progress.context(`[${index + 1}/${plan.length}] ${group.id} · ${spec.name}`);
      progress.phase('starting the server');
      let nodes: RunningTarget[];
      try {
        nodes = await startNodes(group, spec, {
          workdir,
          maxBufferedBytes: options.maxBufferedBytes,
          profileDir: options.profileDir,
          ...(group.configure === undefined ? {} : { configure: (config: ConfigInput) => group.configure?.(config, workdir) ?? config }),
        });
      } catch (error) {
        // A server that cannot start (a peer that would not install, a bus that is down) is a
        // failure of this group on this target; the others still run.
        failures.push({ group: group.id, target: spec.name, error: error instanceof Error ? error.message : String(error) });
        continue;
      }
      const [target] = nodes;
      if (target === undefined) throw new Error('no node started');
      try {
        runs.push(...(await group.run({ pool, sizes: options.sizes, progress, nodes, workdir }, target)));
      } catch (error) {
        failures.push({ group: group.id, target: spec.name, error: error instanceof Error ? error.message : String(error) });
        await closeAll(pool).catch(() => undefined);
      } finally {
        progress.phase('stopping the server');
        await Promise.all(nodes.map((node) => node.stop()));
      }
    }
  } finally {
    await pool.stop();
    await rm(workdir, { recursive: true, force: true });
  }
  const measured = medians(runs);
  addRatios(measured);
  const finishedAt = new Date();
  progress.done(`benchmark done in ${((finishedAt.getTime() - startedAt.getTime()) / 1000).toFixed(0)} s`);
  const cpu = cpus();
  return {
    version: 1,
    repeat: options.repeat,
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    machine: {
      cpus: cpu.length,
      cpuModel: cpu[0]?.model ?? 'unknown',
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      node: process.versions.node,
      loadAverageAtStart,
    },
    options: {
      smoke: options.smoke,
      sizes: options.sizes,
      subscriberProcesses: options.subscriberProcesses,
      publisherProcesses: options.publisherProcesses,
      maxBufferedBytes: options.maxBufferedBytes,
      ...(options.soak === undefined ? {} : { soak: options.soak }),
    },
    targets: options.targets.map((target) => ({ name: target.name, kind: target.kind, ...(target.url === undefined ? {} : { url: target.url.href }) })),
    scenarios: groups.flatMap((group) => group.scenarios),
    runs: measured,
    checks: checkTargets(measured),
    failures,
  };
}
