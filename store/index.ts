/**
 * Durable storage: content-addressed immutable values and an append-only log of atom transitions
 * (`as-of`, `since`, `history`), in memory ({@link MemoryStore}, the reference) or on LMDB
 * ({@link LmdbStore}). The contract is `DurableStore` in spec/Store.ts. Guide: docs/store.md.
 * @module
 */
export { MemoryStore, type StoreOptions } from './MemoryStore.js';
export { LmdbStore, checkDataFile, STORE_FORMAT, type LmdbStoreOptions } from './LmdbStore.js';
export { storeValue, hashValue, loadValue, childrenOf, sha256Hex, FANOUT, INLINE_MAX, type NodeSink, type NodeSource } from './nodes.js';
export { encodeRecord, decodeRecord } from './records.js';
export * from '../spec/Store.js';
