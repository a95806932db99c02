import { channelStateContract } from './channel-state.contract.js';
import { MemoryChannelState } from './memory-channel-state.js';

channelStateContract('memory', () => Promise.resolve({ channels: new MemoryChannelState(), close: () => Promise.resolve() }));
