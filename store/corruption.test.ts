/**
 * Damaged databases give a typed StoreCorrupt, never a wrong value: a garbage file, a truncated
 * data file, a bad format header, a missing or altered node, a damaged log record.
 */
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EMap, equals } from '../spec/Values.js';
import { StoreCorrupt } from '../spec/Store.js';
import { LmdbStore } from './LmdbStore.js';
import { decodeRecord, encodeRecord } from './records.js';

const root = mkdtempSync(join(tmpdir(), 'immutos-corrupt-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

const bigMap = EMap.from(Array.from({ length: 300 }, (_, i) => [BigInt(i), `value ${i}`] as const));

/** A database with a few transitions (one a large map), closed. */
async function sample(): Promise<string> {
  const dir = join(root, `db${n++}`);
  const db = await LmdbStore.open(dir);
  db.append({ atom: 'a', stamp: 0, value: 1n, writer: 0 });
  db.append({ atom: 'm', stamp: 0, value: bigMap, writer: 0 });
  db.flush();
  db.append({ atom: 'a', stamp: 1, value: 'two', writer: 1 });
  db.flush();
  await db.close();
  return dir;
}

const data = (dir: string): string => join(dir, 'gen-000001', 'data.mdb');

describe('opening a damaged database', () => {
  it('a healthy sample reopens with its values', async () => {
    const db = await LmdbStore.open(await sample(), { create: false });
    expect(equals(db.value(db.current('m')!.hash), bigMap)).toBe(true);
    await db.close();
  });

  it('a plain file where the directory should be', async () => {
    const f = join(root, 'garbage-file');
    writeFileSync(f, 'not a database');
    await expect(LmdbStore.open(f)).rejects.toThrow(StoreCorrupt);
  });

  it('a directory without CURRENT, or CURRENT naming nothing', async () => {
    const d = join(root, `x${n++}`);
    mkdirSync(d);
    writeFileSync(join(d, 'other'), 'x');
    await expect(LmdbStore.open(d)).rejects.toThrow(/missing CURRENT/);
    const dir = await sample();
    writeFileSync(join(dir, 'CURRENT'), '../../etc\n');
    await expect(LmdbStore.open(dir)).rejects.toThrow(/names no generation/);
  });

  it('a garbage data file', async () => {
    const dir = await sample();
    writeFileSync(data(dir), Buffer.alloc(65536, 0x5a));
    await expect(LmdbStore.open(dir)).rejects.toThrow(StoreCorrupt);
  });

  it('a truncated data file (half, one page short, a few bytes)', async () => {
    for (const cut of [(s: number) => s >> 1, (s: number) => s - 4096, () => 100]) {
      const dir = await sample();
      const size = readFileSync(data(dir)).length;
      truncateSync(data(dir), cut(size));
      await expect(LmdbStore.open(dir)).rejects.toThrow(/truncated|too short/);
    }
  });

  it('an empty data file and a missing one', async () => {
    const dir = await sample();
    truncateSync(data(dir), 0);
    await expect(LmdbStore.open(dir)).rejects.toThrow(StoreCorrupt);
    const dir2 = await sample();
    rmSync(data(dir2));
    await expect(LmdbStore.open(dir2)).rejects.toThrow(/missing/);
  });

  it('trailing garbage after the data is harmless (LMDB reads only the pages its meta names)', async () => {
    const dir = await sample();
    appendFileSync(data(dir), Buffer.alloc(1000, 0xff));
    const db = await LmdbStore.open(dir);
    expect(db.current('a')!.stamp).toBe(1);
    await db.close();
  });
});

describe('damaged contents inside a well-formed LMDB file', () => {
  /** Opens the sample's LMDB directly (as a damaging tool would) and runs `damage` in a write transaction. */
  async function damage(dir: string, f: (dbs: { nodes: import('lmdb').Database<Buffer, Buffer>; log: import('lmdb').Database<Buffer, number>; meta: import('lmdb').Database<string, string> }) => void): Promise<void> {
    const lmdb = await import('lmdb');
    const env = lmdb.open({ path: join(dir, 'gen-000001'), maxDbs: 8, compression: false, overlappingSync: false });
    const dbs = {
      nodes: env.openDB<Buffer, Buffer>('nodes', { encoding: 'binary', keyEncoding: 'binary' }),
      log: env.openDB<Buffer, number>('log', { encoding: 'binary' }),
      meta: env.openDB<string, string>('meta', { encoding: 'string' }),
    };
    env.transactionSync(() => f(dbs));
    await env.close();
  }

  it('a bad format header', async () => {
    const dir = await sample();
    await damage(dir, ({ meta }) => { meta.putSync('format', 'something-else/9'); });
    await expect(LmdbStore.open(dir)).rejects.toThrow(/bad header/);
  });

  it('a missing node: the value read fails with StoreCorrupt', async () => {
    const dir = await sample();
    const db0 = await LmdbStore.open(dir);
    const root0 = db0.current('m')!.hash;
    await db0.close();
    let victim: Buffer | undefined;
    await damage(dir, ({ nodes }) => {
      for (const k of nodes.getKeys()) if (Buffer.from(k).toString('hex') !== root0) { victim = Buffer.from(k); break; }
      nodes.removeSync(victim!);
    });
    const db = await LmdbStore.open(dir);
    const reads = ['a', 'm'].map((a) => { try { db.value(db.current(a)!.hash); return 'ok'; } catch (e) { return (e as Error).name; } });
    expect(reads).toContain('StoreCorrupt');
    expect(reads.every((r) => r === 'ok' || r === 'StoreCorrupt')).toBe(true);
    await db.close();
  });

  it('a node whose bytes no longer match its hash', async () => {
    const dir = await sample();
    await damage(dir, ({ nodes }) => {
      for (const { key, value } of nodes.getRange()) {
        const b = Buffer.from(value);
        b[b.length - 1] ^= 1;
        nodes.putSync(Buffer.from(key), b);
      }
    });
    const db = await LmdbStore.open(dir);
    expect(() => db.value(db.current('a')!.hash)).toThrow(/hash mismatch/);
    expect(() => db.value(db.current('m')!.hash)).toThrow(StoreCorrupt);
    await db.close();
  });

  it('a log record with a flipped byte, a truncated one, and one under another position', async () => {
    const dir = await sample();
    await damage(dir, ({ log }) => {
      const r = Buffer.from(log.get(3)!);
      r[5] ^= 0x40;
      log.putSync(3, r);
    });
    await expect(LmdbStore.open(dir)).rejects.toThrow(/checksum/);
    const dir2 = await sample();
    await damage(dir2, ({ log }) => { log.putSync(1, Buffer.from(log.get(1)!).subarray(0, 20)); });
    const db = await LmdbStore.open(dir2);
    expect(() => db.history('a')).toThrow(StoreCorrupt);
    await db.close();
    const dir3 = await sample();
    await damage(dir3, ({ log }) => { log.putSync(2, Buffer.from(log.get(1)!)); });
    const db3 = await LmdbStore.open(dir3);
    expect(() => db3.current('m')).toThrow(/record says t=1/);
    await db3.close();
  });

  it('records round-trip and reject any single flipped bit', () => {
    const tr = { t: 7, tx: 3, atom: 'counter', stamp: 4, hash: 'ab'.repeat(32), time: 1_700_000_000_123, writer: 2 };
    const b = encodeRecord(tr);
    expect(decodeRecord(7, b)).toEqual(tr);
    for (let i = 0; i < b.length; i++) {
      for (let bit = 0; bit < 8; bit++) {
        const c = Uint8Array.from(b);
        c[i] ^= 1 << bit;
        expect(() => decodeRecord(7, c)).toThrow(StoreCorrupt);
      }
    }
  });
});
