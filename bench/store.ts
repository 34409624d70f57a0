/**
 * `immutos bench store`: the durable store against an append-only JSON-lines file with fsync,
 * on the same histories in the same run:
 * - durable swaps per second, concurrent writers, with and without group commit (LMDB store;
 *   JSON lines with one fsync per write and with one fsync per batch of the writes that arrived together);
 * - as-of query latency (LMDB store; the reference MemoryStore; JSON lines, which must scan its file);
 * - bytes added by a one-key update of a large map (10⁶ entries in the full run), beside the map's
 *   full size, for several sizes so the O(log n) growth shows.
 * @module
 */
import { mkdtempSync, openSync, closeSync, fsyncSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { open as openFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchContext } from './index.js';
import { reportJson, writeResults } from './results.js';
import { printEdn } from '../spec/codec/Edn.js';
import { createRng } from '../spec/Random.js';
import { EMap, kw, type Value } from '../spec/Values.js';
import type { Transition, TransitionInput } from '../spec/Store.js';
import { LmdbStore } from '../store/LmdbStore.js';
import { MemoryStore } from '../store/MemoryStore.js';

/** Swaps per second of one way of writing. */
export interface SwapRow {
  /** What wrote. */
  readonly name: string;
  /** Concurrent writers. */
  readonly writers: number;
  /** Swaps written. */
  readonly swaps: number;
  /** Durable swaps per second. */
  readonly perSecond: number;
  /** Durable commits (fsyncs) made. */
  readonly commits: number;
}

/** As-of latency of one store. */
export interface AsOfRow {
  /** The store. */
  readonly name: string;
  /** Median latency, microseconds. */
  readonly medianUs: number;
  /** 99th percentile, microseconds. */
  readonly p99Us: number;
}

/** Bytes added by one one-key update of a map of `entries`. */
export interface MapRow {
  /** Entries of the map. */
  readonly entries: number;
  /** Bytes of the whole map as stored nodes. */
  readonly fullNodeBytes: number;
  /** New node bytes per one-key update (mean). */
  readonly updateNodeBytes: number;
  /** New nodes per update (mean). */
  readonly updateNodes: number;
  /** Growth of the LMDB data file per update (mean; LMDB reuses freed pages, so this is noisy). */
  readonly updateFileBytes: number;
  /** Bytes a JSON-lines log appends per update (the whole map again). */
  readonly jsonlBytes: number;
}

/** The suite's results. */
export interface StoreBenchReport {
  /** Swap throughput rows. */
  readonly swaps: readonly SwapRow[];
  /** As-of latency rows. */
  readonly asOf: readonly AsOfRow[];
  /** Transitions in the history the as-of queries ran over. */
  readonly asOfHistory: number;
  /** One-key-update rows, by map size. */
  readonly maps: readonly MapRow[];
}

const value = (w: number, i: number): Value => EMap.from([[kw('writer'), BigInt(w)], [kw('n'), BigInt(i)], [kw('note'), `swap ${i} of writer ${w}`]]);

/** Runs `writers` concurrent loops of `per` swaps through `swap`. */
async function concurrently(writers: number, per: number, swap: (input: TransitionInput) => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await Promise.all(Array.from({ length: writers }, async (_, w) => {
    for (let i = 0; i < per; i++) await swap({ atom: `atom-${w}`, stamp: i, value: value(w, i), writer: w });
  }));
  return (performance.now() - t0) / 1000;
}

/** An append-only JSON-lines log with fsync: per write, or per batch of the writes of one event turn. */
class JsonlLog {
  private queue: { line: string; resolve: () => void }[] = [];
  private busy = false;
  commits = 0;
  private constructor(private readonly fh: import('node:fs/promises').FileHandle, private readonly group: boolean) {}
  static async create(path: string, group: boolean): Promise<JsonlLog> {
    return new JsonlLog(await openFile(path, 'a'), group);
  }
  append(input: TransitionInput, t: number): Promise<void> {
    const line = JSON.stringify({ t, atom: input.atom, stamp: input.stamp, writer: input.writer, time: Date.now(), value: printEdn(input.value) }) + '\n';
    return new Promise((resolve) => { this.queue.push({ line, resolve }); this.kick(); });
  }
  private kick(): void {
    if (this.busy || this.queue.length === 0) return;
    this.busy = true;
    setImmediate(async () => {
      const batch = this.group ? this.queue.splice(0) : this.queue.splice(0, 1);
      await this.fh.appendFile(batch.map((b) => b.line).join(''));
      await this.fh.datasync();
      this.commits++;
      this.busy = false;
      for (const b of batch) b.resolve();
      this.kick();
    });
  }
  close(): Promise<void> { return this.fh.close(); }
}

const pct = (xs: number[], p: number): number => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(p * s.length))]!; };
const r1 = (x: number): number => Math.round(x * 10) / 10;

/** Measures everything; `quick` uses smaller sizes. */
export async function runStoreBenchReport(quick: boolean, out: (line: string) => void): Promise<StoreBenchReport> {
  const root = mkdtempSync(join(tmpdir(), 'immutos-bench-store-'));
  try {
    // 1. durable swaps/s
    const writers = 8;
    const per = quick ? 25 : 150;
    const swaps: SwapRow[] = [];
    for (const group of [true, false]) {
      const db = await LmdbStore.open(join(root, `swaps-${group}`), { groupCommit: group });
      const s = await concurrently(writers, per, (i) => db.commit(i));
      swaps.push({ name: `LMDB store, ${group ? 'group commit' : 'one commit per swap'}`, writers, swaps: writers * per, perSecond: Math.round((writers * per) / s), commits: db.stats().commits });
      await db.close();
    }
    for (const group of [true, false]) {
      const log = await JsonlLog.create(join(root, `swaps-${group}.jsonl`), group);
      let t = 0;
      const s = await concurrently(writers, per, (i) => log.append(i, ++t));
      swaps.push({ name: `JSON lines + fsync, ${group ? 'one fsync per batch' : 'one fsync per swap'}`, writers, swaps: writers * per, perSecond: Math.round((writers * per) / s), commits: log.commits });
      await log.close();
    }
    const base = swaps[0]!.perSecond;
    out(`durable swaps/s, ${writers} concurrent writers (same swaps for every row):`);
    for (const r of swaps) out(`  ${r.name.padEnd(42)} ${String(r.perSecond).padStart(8)} swaps/s  ${String(r.commits).padStart(5)} commits  ${(r.perSecond / base).toFixed(2)}× the first row`);

    // 2. as-of latency over one history written to all three
    const history = quick ? 2_000 : 20_000;
    const atoms = 20;
    const rng = createRng(42);
    const inputs: TransitionInput[] = [];
    const stamps = new Array<number>(atoms).fill(0);
    for (let i = 0; i < history; i++) { const a = rng.int(atoms); inputs.push({ atom: `atom-${a}`, stamp: stamps[a]!++, value: value(a, i), writer: a }); }
    const lm = await LmdbStore.open(join(root, 'asof'));
    const mem = new MemoryStore();
    const jsonl = join(root, 'asof.jsonl');
    const fd = openSync(jsonl, 'a');
    for (let i = 0; i < inputs.length; i += 500) {
      for (const inp of inputs.slice(i, i + 500)) { lm.append(inp); mem.append(inp); }
      lm.flush();
      mem.flush();
    }
    inputs.forEach((inp, i) => writeSync(fd, JSON.stringify({ t: i + 1, atom: inp.atom, stamp: inp.stamp, writer: inp.writer, value: printEdn(inp.value) }) + '\n'));
    fsyncSync(fd);
    closeSync(fd);
    const queries = Array.from({ length: quick ? 200 : 2000 }, () => ({ atom: `atom-${rng.int(atoms)}`, t: 1 + rng.int(history) }));
    const time = (f: (q: { atom: string; t: number }) => unknown, qs = queries): number[] => qs.map((q) => { const t0 = performance.now(); f(q); return (performance.now() - t0) * 1000; });
    const jsonlAsOf = (q: { atom: string; t: number }): string | undefined => {
      let found: string | undefined;
      for (const line of readFileSync(jsonl, 'utf8').split('\n')) {
        if (line === '') continue;
        const r = JSON.parse(line) as { t: number; atom: string; value: string };
        if (r.t > q.t) break;
        if (r.atom === q.atom) found = r.value;
      }
      return found;
    };
    const checkOne = queries[0]!;
    const lmAnswer = lm.asOf(checkOne.atom, checkOne.t);
    if (lmAnswer?.hash !== mem.asOf(checkOne.atom, checkOne.t)?.hash) throw new Error('bench store: the LMDB and memory stores disagree on an as-of answer');
    const asOf: AsOfRow[] = [];
    for (const [name, f, qs] of [
      ['LMDB store (asOf: the transition)', (q: { atom: string; t: number }) => lm.asOf(q.atom, q.t), queries],
      ['LMDB store (asOf + load the value)', (q: { atom: string; t: number }) => { const tr: Transition | undefined = lm.asOf(q.atom, q.t); return tr && lm.value(tr.hash); }, queries],
      ['MemoryStore (reference)', (q: { atom: string; t: number }) => mem.asOf(q.atom, q.t), queries],
      ['JSON lines (scan the file)', jsonlAsOf, queries.slice(0, quick ? 10 : 40)],
    ] as const) {
      const us = time(f, [...qs]);
      asOf.push({ name, medianUs: r1(pct(us, 0.5)), p99Us: r1(pct(us, 0.99)) });
    }
    await lm.close();
    out(`\nas-of query latency over a history of ${history} transitions on ${atoms} atoms:`);
    for (const r of asOf) out(`  ${r.name.padEnd(40)} median ${String(r.medianUs).padStart(10)} µs   p99 ${String(r.p99Us).padStart(10)} µs`);

    // 3. bytes per one-key update of a large map
    const sizes = quick ? [1_000, 10_000, 100_000] : [10_000, 100_000, 1_000_000];
    const updates = 3;
    const maps: MapRow[] = [];
    out(`\nbytes added by a one-key update of a map (mean of ${updates} updates), beside the map's full size:`);
    for (const n of sizes) {
      const db = await LmdbStore.open(join(root, `map-${n}`));
      let m = EMap.from(Array.from({ length: n }, (_, i) => [BigInt(i), BigInt(i)] as const));
      db.append({ atom: 'big', stamp: 0, value: m, writer: 0 });
      db.flush();
      const full = db.stats();
      const file0 = db.fileBytes();
      for (let u = 1; u <= updates; u++) {
        m = m.assoc(BigInt(rng.int(n)), BigInt(-u));
        db.append({ atom: 'big', stamp: u, value: m, writer: 0 });
        db.flush();
      }
      const after = db.stats();
      const row: MapRow = {
        entries: n,
        fullNodeBytes: full.nodeBytes,
        updateNodeBytes: Math.round((after.nodeBytes - full.nodeBytes) / updates),
        updateNodes: r1((after.nodes - full.nodes) / updates),
        updateFileBytes: Math.round((db.fileBytes() - file0) / updates),
        jsonlBytes: Buffer.byteLength(printEdn(m)) + 60,
      };
      await db.close();
      maps.push(row);
      out(`  ${String(n).padStart(9)} entries: full ${String(row.fullNodeBytes).padStart(10)} B; per update ${String(row.updateNodeBytes).padStart(6)} B in ${row.updateNodes} new nodes (${(100 * row.updateNodeBytes / row.fullNodeBytes).toFixed(3)}% of the map), LMDB file +${row.updateFileBytes} B; JSON lines +${row.jsonlBytes} B (${(row.jsonlBytes / row.updateNodeBytes).toFixed(0)}×)`);
    }
    const [a, b] = [maps[0]!, maps[maps.length - 1]!];
    out(`  ${(b.entries / a.entries).toFixed(0)}× the entries: ${(b.fullNodeBytes / a.fullNodeBytes).toFixed(1)}× the full size, ${(b.updateNodeBytes / a.updateNodeBytes).toFixed(2)}× the bytes per update (O(log n))`);
    return { swaps, asOf, asOfHistory: history, maps };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** The `store` suite. */
export async function runStoreBench(ctx: BenchContext): Promise<StoreBenchReport> {
  const r = await runStoreBenchReport(ctx.quick, ctx.out);
  writeResults(ctx, { 'store.json': reportJson(r) });
  return r;
}
