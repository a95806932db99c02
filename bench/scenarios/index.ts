/** Every scenario group, in the order they run (opt-in ones only when named). */
import type { Sizes } from '../options.js';
import { connectionStormGroup } from './connection-storm.js';
import { fanoutClusterGroup } from './fanout-cluster.js';
import { fanoutGroup } from './fanout.js';
import { httpApiGroup } from './http-api.js';
import { idleHugeGroup } from './idle-huge.js';
import { idleMemoryGroup } from './idle-memory.js';
import { manyChannelsGroup } from './many-channels.js';
import { presenceChurnGroup } from './presence-churn.js';
import { pushGroup } from './push.js';
import type { ScenarioGroup } from './scenario.js';

export function scenarioGroups(sizes: Sizes): ScenarioGroup[] {
  return [
    fanoutGroup('fanout-1k', (s) => s.fanoutSmall, sizes),
    fanoutGroup('fanout-10k', (s) => s.fanoutLarge, sizes),
    fanoutClusterGroup('redis', sizes),
    fanoutClusterGroup('nats', sizes),
    manyChannelsGroup(sizes),
    presenceChurnGroup(sizes),
    connectionStormGroup(sizes),
    idleMemoryGroup(sizes),
    httpApiGroup(sizes),
    idleHugeGroup(sizes),
    pushGroup(sizes),
  ];
}
