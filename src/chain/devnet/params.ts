// src/chain/devnet/params.ts: the devnet's constants. It is regtest-shaped: regtest's genesis
// block (so chain_hash matches what LDK and others expect for regtest), its trivial target and
// its addresses; the subsidy halves on mainnet's schedule so the faucet lasts.
import { concatBytes, hexToBytes, sha256 } from '../../crypto/index.js';
import { encodeBlock, encodeHeader, merkleRoot } from '../block.js';
import { parseTx } from '../tx.js';

/** Regtest's compact target: any hash below 2^255 is enough. */
export const DEVNET_BITS = 0x207fffff;
export const DEFAULT_COINBASE_MATURITY = 100;
export const HALVING_INTERVAL = 210_000;
const COIN = 100_000_000n;

/** 50 BTC, halving every HALVING_INTERVAL blocks. */
export function blockSubsidy(height: number): bigint {
  const halvings = Math.floor(height / HALVING_INTERVAL);
  return halvings >= 64 ? 0n : (50n * COIN) >> BigInt(halvings);
}

/**
 * The faucet's key. It is public on purpose (the devnet holds no value), so the chain can be
 * reloaded from its block file and the faucet keeps its coins.
 */
export const FAUCET_PRIVATE_KEY = sha256(new TextEncoder().encode('ksnode devnet faucet key'));

/**
 * Regtest's genesis block: Bitcoin's genesis coinbase (The Times headline, the 50 BTC output to
 * Satoshi's key) under a header with time 1296688602, bits 0x207fffff and nonce 2. Its hash is
 * 0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206.
 */
export function regtestGenesisBlock(): Uint8Array {
  const headline = new TextEncoder().encode(
    'The Times 03/Jan/2009 Chancellor on brink of second bailout for banks',
  );
  const satoshiKey = hexToBytes(
    '04678afdb0fe5548271967f1a67130b7105cd6a828e03909a67962e0ea1f61deb649f6bc3f4cef38c4f35504e51ec112de5c384df7ba0b8d578a4c702b6bf11d5f',
  );
  const scriptSig = concatBytes(hexToBytes('04ffff001d0104'), new Uint8Array([headline.length]), headline);
  const coinbase = concatBytes(
    hexToBytes(`01000000010000000000000000000000000000000000000000000000000000000000000000ffffffff`),
    new Uint8Array([scriptSig.length]),
    scriptSig,
    hexToBytes('ffffffff0100f2052a0100000043'),
    new Uint8Array([0x41]),
    satoshiKey,
    hexToBytes('ac00000000'),
  );
  const header = encodeHeader({
    version: 1,
    prevBlockHash: new Uint8Array(32),
    merkleRoot: merkleRoot([parseTx(coinbase).txid]),
    time: 1296688602,
    bits: DEVNET_BITS,
    nonce: 2,
  });
  return encodeBlock(header, [coinbase]);
}
