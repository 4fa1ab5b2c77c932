// src/wallet: the on-chain wallet and every key of the node, from one BIP 39 seed. Public face.
//
// - seed.ts / seed-file.ts: the mnemonic, created once and kept in a 0600 file (optionally
//   sealed with a passphrase: scrypt + ChaCha20-Poly1305).
// - keys.ts: `KeyManager`: BIP 84 addresses, the node key and per-channel seeds (paths there).
// - wallet.ts: `Wallet`: coins through a ChainSource, sends, channel fundings, sweeps.
// - coin-select.ts, builder.ts, weights.ts: the pure parts of building transactions.
export {
  type BuildInput,
  type BuildOutput,
  type BuiltTx,
  buildAndSign,
  type ExternalInput,
  type InputSigner,
  WALLET_SEQUENCE,
  type WalletInput,
} from './builder.js';
export { type CandidateCoin, type Selection, type SelectionTarget, selectCoins } from './coin-select.js';
export { type AddressBranch, KeyManager, type WalletKey } from './keys.js';
export { type KeyValueStore, MemoryKeyValueStore } from './kv-store.js';
export {
  DEFAULT_SCRYPT,
  type DecodeSeedResult,
  decodeSeedFile,
  encodeSeedFile,
  isValidMnemonic,
  mnemonicFromEntropy,
  type ScryptParams,
  type SeedFileError,
  seedFromMnemonic,
} from './seed.js';
export { openOrCreateSeed, restoreSeed, type SeedFileOptions, type SeedOpenResult } from './seed-file.js';
export {
  type FeeChoice,
  type FundingResult,
  type SendResult,
  type SweepResult,
  Wallet,
  type WalletBalance,
  type WalletCoin,
  type WalletErrorCode,
  type WalletFailure,
  type WalletOptions,
} from './wallet.js';
export {
  INPUT_BASE_WEIGHT,
  outputWeight,
  P2WPKH_INPUT_WEIGHT,
  P2WPKH_OUTPUT_WEIGHT,
  P2WPKH_WITNESS_WEIGHT,
  TX_OVERHEAD_WEIGHT,
} from './weights.js';
