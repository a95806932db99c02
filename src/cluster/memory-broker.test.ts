import { silentLogger } from '../shared/logger.js';
import { brokerContract } from './broker.contract.js';
import { MemoryBus } from './memory-broker.js';

brokerContract('memory', () => {
  const bus = new MemoryBus();
  return Promise.resolve({
    connect: (nodeId, handlers) => Promise.resolve(bus.connect({ nodeId, logger: silentLogger }, handlers)),
    close: () => Promise.resolve(),
  });
});
