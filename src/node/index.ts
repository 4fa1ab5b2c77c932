// src/node: the composition root. `loadConfig` reads the configuration (file, KSNODE_* variables,
// flags); `Node.start(config)` builds a running node from every module and `stop()` takes it apart;
// the node's NodeFacade is what the HTTP API serves.
//
//   const node = await Node.start(loadConfig({ flags, env: process.env }));
//   console.log(bytesToHex(node.nodeId), node.listenAddress, node.api?.url);
//   await node.stop();

export { chainHashOf } from './chain-hash.js';
export {
  CHANNEL_TYPES,
  type ChannelType,
  CONFIG_FILE_NAME,
  ConfigError,
  type ConfigSources,
  DEFAULT_DEVNET_ESPLORA_URL,
  envName,
  FLAT_SETTINGS,
  type HostPort,
  LOG_LEVELS,
  type LogLevel,
  loadConfig,
  type NodeConfig,
} from './config.js';
export { NodeFacadeImpl } from './facade.js';
export { createLogger, type Logger } from './logger.js';
export { Node, type NodeEvents, type NodeStartOptions, nodeAnnouncementFeatures, SEED_FILE } from './node.js';
