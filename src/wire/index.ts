// ksnode/wire: BOLT 1 fundamental types, BigSize, TLV streams, message codecs and feature bits.
export * from './codec.js';
export * from './errors.js';
export * from './features.js';
export * from './messages/index.js';
export { Reader } from './reader.js';
export * from './tlv.js';
export { Writer } from './writer.js';
