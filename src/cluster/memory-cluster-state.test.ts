import { clusterStateContract } from './cluster-state.contract.js';
import { createMemoryClusterState } from './memory-cluster-state.js';

clusterStateContract('memory', () => Promise.resolve(createMemoryClusterState()));
