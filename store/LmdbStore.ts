/**
 * The durable store on LMDB (the `lmdb` package, loaded lazily when a database is opened).
 *
 * A database is a directory: `CURRENT` names the live generation (`gen-000001`, …), a directory
 * holding LMDB's `data.mdb`. Inside, five sub-databases: `meta` (the format tag), `nodes` (value
 * nodes by their SHA-256, see nodes.ts), `log` (records by position `t`, see records.ts), `hist`
 * (`[atom, t]` keys: each atom's history) and `atoms` (each atom's first position and the oldest
 * it retains). A transition is acknowledged only after the LMDB transaction holding its record and
 * its value's nodes has committed with a sync to the disk. Compaction writes the retained
 * contents into a fresh generation and switches `CURRENT` with one atomic rename.
 * Design: docs/adr/0036-durable-store.md, docs/adr/0037-lmdb.md.
 * @module
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Database, RootDatabase } from 'lmdb';
import {
  checkRetentionPolicy, checkTransitionInput, HistoryCompacted, retainedOf, StoreBadInput, StoreClosed, StoreConflict, StoreCorrupt,
  StoreMissingValue,
  type CompactionReport, type DurableStore, type RetentionPolicy, type StoreStats, type Transition, type TransitionInput,
  type ValueHash,
} from '../spec/Store.js';
import type { Value } from '../spec/Values.js';
import { childrenOf, hashValue, loadValue, storeValue } from './nodes.js';
import { decodeRecord, encodeRecord } from './records.js';
import type { StoreOptions } from './MemoryStore.js';

/** The format tag every database holds in `meta`. */
export const STORE_FORMAT = 'immutos-store/1';
const CURRENT = 'CURRENT';
/** LMDB's meta-page magic number. */
const LMDB_MAGIC = 0xbeefc0de;

/** Options of {@link LmdbStore.open}. */
export interface LmdbStoreOptions extends StoreOptions {
  /** Writes arriving while a commit is in flight share the next commit (default true). */
  readonly groupCommit?: boolean;
  /** Create the database when the directory does not exist (default true). */
  readonly create?: boolean;
}

interface Staged {
  readonly tr: Transition;
  readonly nodes: Map<ValueHash, Uint8Array>;
  resolve?: (tr: Transition) => void;
  reject?: (e: Error) => void;
}

interface Handles {
  readonly env: RootDatabase;
  readonly meta: Database<string, string>;
  readonly nodes: Database<Buffer, Buffer>;
  readonly log: Database<Buffer, number>;
  readonly hist: Database<boolean, [string, number]>;
  readonly atoms: Database<Buffer, string>;
}

const atomInfo = (first: number, horizon: number): Buffer => {
  const b = Buffer.alloc(16);
  b.writeDoubleLE(first, 0);
  b.writeDoubleLE(horizon, 8);
  return b;
};

/**
 * Checks an LMDB data file before it is mapped: both meta pages carry LMDB's magic and the file
 * holds every page the newer meta page names (a truncated file would otherwise fault when read).
 * @throws StoreCorrupt naming the file.
 */
export function checkDataFile(file: string): void {
  if (!existsSync(file)) throw new StoreCorrupt(file, 'data file missing');
  const size = statSync(file).size;
  const head = Buffer.alloc(Math.min(size, 8192));
  const fd = openSync(file, 'r');
  try {
    readSync(fd, head, 0, head.length, 0);
  } finally {
    closeSync(fd);
  }
  // LMDB's meta page: a page header (its length differs between LMDB versions: 16 to 28 bytes),
  // then the meta: magic, version, address (8), map size (8), two 48-byte database records (the
  // first's pad holds the page size), last page (8), txn id (8). Offsets below are from the magic.
  let at = -1;
  for (let o = 16; o <= 32 && o + 4 <= head.length; o += 4) if (head.readUInt32LE(o) === LMDB_MAGIC) { at = o; break; }
  if (at < 0) throw new StoreCorrupt(file, 'not an LMDB file (no magic in its first meta page)');
  const meta = (page: number, psize: number): { last: number; txn: number; psize: number } => {
    const base = page * psize + at;
    if (base + 136 > head.length) throw new StoreCorrupt(file, `file of ${size} bytes is too short for LMDB meta page ${page}`);
    if (head.readUInt32LE(base) !== LMDB_MAGIC) throw new StoreCorrupt(file, `not an LMDB file (no magic in meta page ${page})`);
    return { psize: head.readUInt32LE(base + 24), last: Number(head.readBigUInt64LE(base + 120)), txn: Number(head.readBigUInt64LE(base + 128)) };
  };
  const m0 = meta(0, 0);
  if (m0.psize < 512 || m0.psize > 65536 || (m0.psize & (m0.psize - 1)) !== 0) throw new StoreCorrupt(file, `bad page size ${m0.psize}`);
  if (size < 2 * m0.psize) throw new StoreCorrupt(file, `file of ${size} bytes is truncated (2 meta pages of ${m0.psize} bytes expected)`);
  const m1 = meta(1, m0.psize);
  const newer = m1.txn > m0.txn ? m1 : m0;
  const need = (newer.last + 1) * m0.psize;
  if (size < need) throw new StoreCorrupt(file, `file of ${size} bytes is truncated (${need} bytes expected)`);
}

/** Writes `text` to `file` durably and atomically (temporary file, fsync, rename). */
function writeAtomic(file: string, text: string): void {
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, text);
  const fd = openSync(tmp, 'r+');
  try { fsyncSync(fd); } finally { closeSync(fd); }
  renameSync(tmp, file);
}

async function openHandles(dir: string, create: boolean): Promise<Handles> {
  const lmdb = await import('lmdb');
  if (!create) checkDataFile(join(dir, 'data.mdb'));
  let env: RootDatabase;
  try {
    env = lmdb.open({ path: dir, maxDbs: 8, compression: false, overlappingSync: false, noSync: false, cache: false });
  } catch (e) {
    throw new StoreCorrupt(dir, `LMDB refused to open it: ${(e as Error).message}`);
  }
  try {
    return {
      env,
      meta: env.openDB<string, string>('meta', { encoding: 'string' }),
      nodes: env.openDB<Buffer, Buffer>('nodes', { encoding: 'binary', keyEncoding: 'binary' }),
      log: env.openDB<Buffer, number>('log', { encoding: 'binary' }),
      hist: env.openDB<boolean, [string, number]>('hist', { encoding: 'ordered-binary' }),
      atoms: env.openDB<Buffer, string>('atoms', { encoding: 'binary' }),
    };
  } catch (e) {
    await env.close().catch(() => undefined);
    throw new StoreCorrupt(dir, `cannot open its tables: ${(e as Error).message}`);
  }
}

/** The durable {@link DurableStore} on LMDB. Open with {@link LmdbStore.open}. */
export class LmdbStore implements DurableStore {
  /** Always `lmdb`. */
  readonly kind = 'lmdb';
  private staged: Staged[] = [];
  private nextT: number;
  private acked: number;
  private tx: number;
  private commits = 0;
  private closed = false;
  private inFlight: Promise<void> | undefined;
  private scheduled = false;
  private readonly clock: () => number;
  private readonly group: boolean;

  private constructor(
    /** The database directory. */
    readonly path: string,
    private h: Handles,
    private generation: string,
    options: LmdbStoreOptions,
  ) {
    this.clock = options.clock ?? Date.now;
    this.group = options.groupCommit ?? true;
    this.acked = this.lastT();
    this.nextT = this.acked + 1;
    this.tx = this.acked === 0 ? 0 : this.record(this.acked).tx;
  }

  /**
   * Opens (or creates) the database in directory `path` and checks its header and newest record.
   * @throws StoreCorrupt when the directory, the generation pointer, the LMDB file, the format tag
   * or the newest record is damaged.
   */
  static async open(path: string, options: LmdbStoreOptions = {}): Promise<LmdbStore> {
    const create = options.create ?? true;
    if (existsSync(path) && !statSync(path).isDirectory()) throw new StoreCorrupt(path, 'not a store directory (it is a file)');
    const cur = join(path, CURRENT);
    let gen: string;
    let fresh = false;
    if (!existsSync(path) || (create && !existsSync(cur) && statSync(path).isDirectory() && readdirSync(path).length === 0)) {
      if (!create) throw new StoreCorrupt(path, 'no such store');
      mkdirSync(join(path, 'gen-000001'), { recursive: true });
      gen = 'gen-000001';
      fresh = true;
    } else {
      if (!existsSync(cur)) throw new StoreCorrupt(path, `missing ${CURRENT} (not a store, or damaged)`);
      gen = readFileSync(cur, 'utf8').trim();
      if (!/^gen-\d{6}$/.test(gen) || !existsSync(join(path, gen))) throw new StoreCorrupt(cur, `names no generation: ${JSON.stringify(gen.slice(0, 40))}`);
    }
    const h = await openHandles(join(path, gen), fresh);
    if (fresh) {
      h.env.transactionSync(() => { h.meta.putSync('format', STORE_FORMAT); });
      writeAtomic(cur, gen + '\n');
    } else {
      let tag: string | undefined;
      try { tag = h.meta.get('format'); } catch (e) { tag = `unreadable: ${(e as Error).message}`; }
      if (tag !== STORE_FORMAT) {
        await h.env.close();
        throw new StoreCorrupt(join(path, gen), `bad header: format ${JSON.stringify(tag)}, expected ${JSON.stringify(STORE_FORMAT)}`);
      }
    }
    try {
      return new LmdbStore(path, h, gen, options);
    } catch (e) {
      await h.env.close();
      throw e;
    }
  }

  private open_(): Handles {
    if (this.closed) throw new StoreClosed();
    return this.h;
  }

  private lastT(): number {
    for (const k of this.h.log.getKeys({ reverse: true, limit: 1 })) {
      if (typeof k !== 'number') throw new StoreCorrupt('log', 'a key is not a position');
      return k;
    }
    return 0;
  }

  private record(t: number): Transition {
    const b = this.h.log.get(t);
    if (b === undefined) throw new StoreCorrupt(`log record t=${t}`, 'missing record');
    return decodeRecord(t, b);
  }

  /** @inheritdoc */
  basis(): number {
    this.open_();
    return this.acked;
  }

  private lastStamp(atom: string): number {
    for (let i = this.staged.length - 1; i >= 0; i--) if (this.staged[i]!.tr.atom === atom) return this.staged[i]!.tr.stamp;
    const cur = this.current(atom);
    return cur === undefined ? -1 : cur.stamp;
  }

  /** @inheritdoc */
  append(input: TransitionInput): Transition {
    this.open_();
    checkTransitionInput(input);
    const expected = this.lastStamp(input.atom) + 1;
    if (input.stamp !== expected) throw new StoreConflict(input.atom, expected, input.stamp);
    const nodes = new Map<ValueHash, Uint8Array>();
    const hash = storeValue(input.value, (k, b) => { nodes.set(k, b); });
    const tr: Transition = { t: this.nextT++, tx: this.tx + 1, atom: input.atom, stamp: input.stamp, hash, time: this.clock(), writer: input.writer };
    this.staged.push({ tr, nodes });
    return tr;
  }

  /** Writes `batch` into the current write transaction; returns the acknowledged forms. */
  private write(batch: readonly Staged[]): Transition[] {
    const h = this.h;
    const tx = ++this.tx;
    const out: Transition[] = [];
    for (const s of batch) {
      for (const [k, b] of s.nodes) {
        const key = Buffer.from(k, 'hex');
        if (!h.nodes.doesExist(key)) h.nodes.putSync(key, Buffer.from(b));
      }
      const tr: Transition = { ...s.tr, tx };
      h.log.putSync(tr.t, Buffer.from(encodeRecord(tr)));
      h.hist.putSync([tr.atom, tr.t], true);
      if (h.atoms.get(tr.atom) === undefined) h.atoms.putSync(tr.atom, atomInfo(tr.t, tr.t));
      out.push(tr);
    }
    return out;
  }

  /** @inheritdoc */
  flush(): readonly Transition[] {
    const h = this.open_();
    if (this.inFlight !== undefined) throw new StoreBadInput('flush() while an asynchronous commit is in flight: use one of flush() and commit() per store');
    if (this.staged.length === 0) return [];
    const batch = this.staged;
    let out: Transition[] = [];
    const txBefore = this.tx;
    try {
      h.env.transactionSync(() => { out = this.write(batch); });
    } catch (e) {
      this.tx = txBefore;
      throw e;
    }
    this.staged = [];
    this.commits++;
    this.acked = out[out.length - 1]!.t;
    for (let i = 0; i < batch.length; i++) batch[i]!.resolve?.(out[i]!);
    return out;
  }

  /** @inheritdoc */
  commit(input: TransitionInput): Promise<Transition> {
    const tr = this.append(input);
    const s = this.staged.find((x) => x.tr.t === tr.t)!;
    const p = new Promise<Transition>((resolve, reject) => { s.resolve = resolve; s.reject = reject; });
    this.kick();
    return p;
  }

  /** Starts the next asynchronous commit unless one is in flight (it will start the next when done). */
  private kick(): void {
    if (this.inFlight !== undefined || this.scheduled || this.staged.length === 0 || this.closed) return;
    this.scheduled = true;
    // Wait for the rest of this event turn's writes: they share the commit.
    setImmediate(() => {
      this.scheduled = false;
      if (this.closed || this.inFlight !== undefined || this.staged.length === 0) return;
      const n = this.group ? this.staged.length : 1;
      const batch = this.staged.slice(0, n);
      let out: Transition[] = [];
      this.inFlight = this.h.env.transaction(() => { out = this.write(batch); }).then(
        () => {
          this.staged = this.staged.slice(n);
          this.commits++;
          this.acked = out[out.length - 1]!.t;
          this.inFlight = undefined;
          for (let i = 0; i < batch.length; i++) batch[i]!.resolve?.(out[i]!);
          this.kick();
        },
        (e: unknown) => {
          this.inFlight = undefined;
          const err = e instanceof Error ? e : new Error(String(e));
          for (const s of this.staged) s.reject?.(err);
          this.staged = [];
          this.nextT = this.acked + 1;
        },
      );
    });
  }

  /** @inheritdoc */
  pending(): number {
    this.open_();
    return this.staged.length;
  }

  /** @inheritdoc */
  value(hash: ValueHash): Value {
    const h = this.open_();
    if (!/^[0-9a-f]{64}$/.test(hash)) throw new StoreMissingValue(hash);
    const staged = (k: ValueHash): Uint8Array | undefined => {
      for (const s of this.staged) { const b = s.nodes.get(k); if (b !== undefined) return b; }
      return undefined;
    };
    if (!h.nodes.doesExist(Buffer.from(hash, 'hex')) && staged(hash) === undefined) throw new StoreMissingValue(hash);
    return loadValue(hash, (k) => h.nodes.get(Buffer.from(k, 'hex')) ?? staged(k));
  }

  /** @inheritdoc */
  hashOf(value: Value): ValueHash {
    return hashValue(value);
  }

  /** @inheritdoc */
  atoms(): readonly string[] {
    const h = this.open_();
    const out: string[] = [];
    for (const k of h.atoms.getKeys()) {
      if (typeof k !== 'string') throw new StoreCorrupt('atoms', 'a key is not an atom name');
      out.push(k);
    }
    return out.sort();
  }

  private info(atom: string): { first: number; horizon: number } | undefined {
    const b = this.open_().atoms.get(atom);
    if (b === undefined) return undefined;
    if (b.length !== 16) throw new StoreCorrupt(`atoms ${JSON.stringify(atom)}`, 'bad entry');
    return { first: b.readDoubleLE(0), horizon: b.readDoubleLE(8) };
  }

  /** @inheritdoc */
  current(atom: string): Transition | undefined {
    return this.asOf(atom, this.basis());
  }

  /** @inheritdoc */
  asOf(atom: string, t: number): Transition | undefined {
    const h = this.open_();
    const info = this.info(atom);
    if (info === undefined || t < info.first) return undefined;
    if (t < info.horizon) throw new HistoryCompacted(atom, t, info.horizon);
    for (const k of h.hist.getKeys({ start: [atom, Math.min(t, this.acked)], end: [atom, -1], reverse: true, limit: 1 })) {
      return this.record(k[1]);
    }
    throw new StoreCorrupt(`hist ${JSON.stringify(atom)}`, `no transition at or before t=${t} though the atom exists from t=${info.first}`);
  }

  /** @inheritdoc */
  snapshot(t: number): ReadonlyMap<string, Transition> {
    const out = new Map<string, Transition>();
    for (const a of this.atoms()) {
      const tr = this.asOf(a, t);
      if (tr !== undefined) out.set(a, tr);
    }
    return out;
  }

  /** @inheritdoc */
  since(t: number, atom?: string): readonly Transition[] {
    const h = this.open_();
    if (atom !== undefined) return this.history(atom).filter((tr) => tr.t > t);
    const out: Transition[] = [];
    for (const { key, value } of h.log.getRange({ start: t, exclusiveStart: true, end: this.acked, inclusiveEnd: true })) {
      out.push(decodeRecord(key as number, value));
    }
    return out;
  }

  /** @inheritdoc */
  history(atom: string): readonly Transition[] {
    const h = this.open_();
    const out: Transition[] = [];
    for (const k of h.hist.getKeys({ start: [atom, 0], end: [atom, this.acked], inclusiveEnd: true })) out.push(this.record(k[1]));
    return out;
  }

  /**
   * Copies the retained transitions and the nodes they reach into a fresh generation, then
   * switches `CURRENT` to it with one atomic rename and removes the old generation. Readers of this
   * handle see the old contents until the switch and the compacted ones after it; another process
   * that has the old generation open keeps reading its snapshot until it reopens. An as-of query
   * into removed history then throws {@link HistoryCompacted}.
   * @throws StoreBadInput when transitions are staged or a commit is in flight, or the policy is malformed.
   */
  async compact(policy: RetentionPolicy): Promise<CompactionReport> {
    const h = this.open_();
    checkRetentionPolicy(policy);
    if (this.staged.length > 0 || this.inFlight !== undefined) throw new StoreBadInput('compaction needs a flushed store: transitions are staged');
    const before = this.stats();
    const num = Number(this.generation.slice(4)) + 1;
    const gen = `gen-${String(num).padStart(6, '0')}`;
    const dir = join(this.path, gen);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const fresh = await openHandles(dir, true);
    try {
      fresh.env.transactionSync(() => {
        fresh.meta.putSync('format', STORE_FORMAT);
        const seen = new Set<ValueHash>();
        const copyNodes = (root: ValueHash): void => {
          const stack = [root];
          while (stack.length > 0) {
            const k = stack.pop()!;
            if (seen.has(k)) continue;
            seen.add(k);
            const b = h.nodes.get(Buffer.from(k, 'hex'));
            if (b === undefined) throw new StoreCorrupt(`node ${k}`, 'missing node');
            fresh.nodes.putSync(Buffer.from(k, 'hex'), b);
            for (const c of childrenOf(k, b)) stack.push(c);
          }
        };
        for (const atom of this.atoms()) {
          const info = this.info(atom)!;
          const kept = retainedOf(policy, this.history(atom));
          for (const tr of kept) {
            fresh.log.putSync(tr.t, Buffer.from(encodeRecord(tr)));
            fresh.hist.putSync([atom, tr.t], true);
            copyNodes(tr.hash);
          }
          fresh.atoms.putSync(atom, atomInfo(info.first, kept[0]!.t));
        }
      });
    } catch (e) {
      await fresh.env.close();
      rmSync(dir, { recursive: true, force: true });
      throw e;
    }
    // The switch: one atomic rename of CURRENT; then the old generation goes.
    writeAtomic(join(this.path, CURRENT), gen + '\n');
    const old = this.h;
    const oldGen = this.generation;
    this.h = fresh;
    this.generation = gen;
    await old.env.close();
    rmSync(join(this.path, oldGen), { recursive: true, force: true });
    const after = this.stats();
    return { transitionsBefore: before.transitions, transitionsAfter: after.transitions, nodesBefore: before.nodes, nodesAfter: after.nodes };
  }

  /** @inheritdoc */
  stats(): StoreStats {
    const h = this.open_();
    let nodeBytes = 0;
    let nodes = 0;
    for (const { value } of h.nodes.getRange()) { nodes++; nodeBytes += value.length; }
    return { transitions: h.log.getCount(), nodes, nodeBytes, commits: this.commits };
  }

  /** Bytes of the live generation's LMDB data file. */
  fileBytes(): number {
    this.open_();
    return statSync(join(this.path, this.generation, 'data.mdb')).size;
  }

  /** Waits for an asynchronous commit in flight, if any (staged transitions stay staged). */
  async settle(): Promise<void> {
    while (this.inFlight !== undefined || this.scheduled) await (this.inFlight ?? new Promise((r) => setImmediate(r)));
  }

  /** @inheritdoc */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.settle();
    this.closed = true;
    for (const s of this.staged) s.reject?.(new StoreClosed());
    this.staged = [];
    await this.h.env.close();
  }
}
