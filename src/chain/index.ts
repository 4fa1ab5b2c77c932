// src/chain: the node's view of the Bitcoin chain. Public face of the module.
//
// - `ChainBackend` (types.ts): blocks, broadcast and fee estimates from one data source:
//   `EsploraClient`, `BitcoindClient`, or an in-process `DevnetBackend` (./devnet).
// - `ChainSource` (types.ts): watches and events; `ChainWatcher` implements it over any backend.
// Hashes and txids are bytes in internal order; `hashToHex`/`hashFromHex` convert at the edges.
export { type AddressResult, addressToScript, type Network, scriptToAddress } from './address.js';
export {
  type BitcoindBlockInfo,
  BitcoindClient,
  type BitcoindOptions,
  BitcoindRpcError,
} from './bitcoind.js';
export {
  type BlockHeader,
  checkProofOfWork,
  decodeBlock,
  decodeHeader,
  encodeBlock,
  encodeHeader,
  headerHash,
  merkleBranch,
  merkleRoot,
  type ParsedBlock,
} from './block.js';
export { ChainBackendError, ChainDataError } from './errors.js';
export {
  EsploraClient,
  type EsploraOptions,
  type EsploraUtxo,
  esploraScripthash,
  type Outspend,
  type TxStatus,
} from './esplora.js';
export {
  btcPerKvbToSatPerKw,
  FEERATE_FLOOR_SAT_PER_KW,
  feeForWeight,
  pickEstimate,
  satPerKwToSatPerVbyte,
  satPerVbyteToSatPerKw,
} from './fees.js';
export {
  createFundingLookup,
  type FundingLookup,
  type FundingLookupOptions,
  type FundingOutputResult,
  splitShortChannelId,
} from './funding-lookup.js';
export { hashFromHex, hashToHex, outpointFromKey, outpointKey } from './ids.js';
export { p2wpkhScript, p2wpkhScriptCode, p2wshScript, signP2wpkhInput, signWitnessV0 } from './p2wpkh.js';
export { RecentChain } from './recent-chain.js';
export {
  inputOutpoint,
  isCoinbase,
  type ParsedTx,
  parseTx,
  type RawTxObject,
  txidOf,
  txWeight,
  wtxidOf,
} from './tx.js';
export type {
  BlockConnectedEvent,
  BlockDisconnectedEvent,
  BlockId,
  BroadcastResult,
  ChainBackend,
  ChainEvent,
  ChainListener,
  ChainSource,
  FeeEstimates,
  OutPoint,
  OutpointSpentEvent,
  ScriptConfirmedEvent,
  TxUnconfirmedEvent,
  WatchOptions,
} from './types.js';
export { type BlockMatch, matchBlock, scriptKey } from './watch-match.js';
export { ChainWatcher, type ChainWatcherOptions, ReorgTooDeepError } from './watcher.js';
