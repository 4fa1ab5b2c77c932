// src/chain/devnet: a regtest-like chain for development, demos and tests (in-process or over HTTP).

export { DevnetBackend } from './backend.js';
export { type BlockLog, FileBlockLog, MemoryBlockLog } from './block-log.js';
export { DEVNET_USAGE, runDevnetCommand } from './cli.js';
export {
  DEVNET_NETWORK,
  Devnet,
  type DevnetCoin,
  DevnetError,
  type DevnetOptions,
  type ReorgOptions,
  type SubmitResult,
  type TxLocation,
} from './devnet.js';
export { bip34HeightPush, mineBlock } from './mining.js';
export {
  blockSubsidy,
  DEFAULT_COINBASE_MATURITY,
  DEVNET_BITS,
  FAUCET_PRIVATE_KEY,
  regtestGenesisBlock,
} from './params.js';
export { type DevnetServer, type DevnetServerOptions, startDevnetServer } from './server.js';
export {
  type Coin,
  checkTransaction,
  type InputVerifier,
  type TxCheck,
  type TxCheckContext,
  type TxRejectCode,
} from './validate.js';
