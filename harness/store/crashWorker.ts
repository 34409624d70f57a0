/**
 * The child process of the crash harness (crash.ts): opens a store and runs concurrent writers
 * doing durable swaps until it is killed. After each acknowledged swap it prints one line
 * `ACK <t> <atom> <stamp> <hash>` (written synchronously, so a printed line is always one the
 * store acknowledged). Usage: `node crashWorker.js <dir> <seed> <writers> <maxWrites> [mode]`.
 * Mode `commit` (the default): each writer awaits `commit`, so writes share group commits. Mode
 * `flush`: rounds as a kernel's scheduler would run them, every writer stages one swap with
 * `append`, then one `flush` commits the round. The
 * seeded bug `ack-before-commit` (for the harness's meta-test) prints a line as soon as the swap
 * is staged and commits it 20 ms later.
 * @module
 */
import { writeSync } from 'node:fs';
import { createRng } from '../../spec/Random.js';
import { EMap, kw, type Value } from '../../spec/Values.js';
import { LmdbStore } from '../../store/LmdbStore.js';

/** The value writer `w` stores at `stamp`: a small map, or (writer 0) a map of 200 entries with one key changed. */
function workloadValue(w: number, stamp: number, salt: number): Value {
  if (w === 0) return EMap.from(Array.from({ length: 200 }, (_, i) => [BigInt(i), i === stamp % 200 ? BigInt(stamp * 1000 + salt) : BigInt(i)] as const));
  return EMap.from([[kw('n'), BigInt(stamp)], [kw('writer'), BigInt(w)], [kw('pad'), 'x'.repeat(salt % 300)]]);
}

async function main(): Promise<void> {
  const [dir, seedText, writersText, maxText, mode] = process.argv.slice(2);
  if (dir === undefined) throw new Error('usage: crashWorker.js <dir> <seed> <writers> <maxWrites>');
  const rng = createRng(Number(seedText ?? 1));
  const writers = Number(writersText ?? 4);
  const max = Number(maxText ?? 300);
  const store = await LmdbStore.open(dir);
  const out = (line: string): void => { writeSync(1, line + '\n'); };
  out(`READY ${store.basis()}`);
  let done = 0;
  const writer = async (w: number): Promise<void> => {
    const atom = `atom-${w}`;
    let stamp = (store.current(atom)?.stamp ?? -1) + 1;
    while (done < max) {
      done++;
      const input = { atom, stamp, value: workloadValue(w, stamp, rng.int(1_000_000)), writer: w };
      if (mode === 'ack-before-commit') {
        const tr = store.append(input);
        out(`ACK ${tr.t} ${tr.atom} ${tr.stamp} ${tr.hash}`);
        await new Promise((r) => setTimeout(r, 20));
        store.flush();
      } else {
        const tr = await store.commit(input);
        out(`ACK ${tr.t} ${tr.atom} ${tr.stamp} ${tr.hash}`);
      }
      stamp++;
    }
  };
  if (mode === 'flush') {
    const stamps = Array.from({ length: writers }, (_, w) => (store.current(`atom-${w}`)?.stamp ?? -1) + 1);
    while (done < max) {
      for (let w = 0; w < writers; w++, done++) store.append({ atom: `atom-${w}`, stamp: stamps[w]!++, value: workloadValue(w, stamps[w]!, rng.int(1_000_000)), writer: w });
      for (const tr of store.flush()) out(`ACK ${tr.t} ${tr.atom} ${tr.stamp} ${tr.hash}`);
      await new Promise((r) => setImmediate(r));
    }
  } else await Promise.all(Array.from({ length: writers }, (_, w) => writer(w)));
  await store.close();
  out('DONE');
}

main().catch((e: unknown) => {
  writeSync(2, `crash worker failed: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(70);
});
