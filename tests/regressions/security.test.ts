// The security findings of docs/adr/0024-authority-and-resource-accounting.md, each a scenario
// run on both kernels that run programs. Each failed on the kernels before ADR 0024: a watch or
// validator acted with the writer's table, a looping foreign watch killed the writer, `join`
// read any process, error kinds told which refs exist, and fork/spawn bombs and many-process
// hoards never stopped.
import { describe, expect, it } from 'vitest';
import { PROGRAM_KERNELS as KERNELS, runPrograms as run } from '../support/programs.js';

/** Pid 0: a private secret (#atom 0) and a mailbox (#atom 1) shared with its child (pid 1), which installs `install`. */
const withChild = (install: string, thenParent: string): string => `
(def secret (atom :secret))
(def mb (atom 0))
(def c (spawn (fn [m] (do ${install} :installed)) mb))
(join c)
${thenParent}`;

for (const [name, make] of KERNELS) {
  describe(`ADR 0024 findings, ${name} kernel`, () => {
    it('1. a watch installed by the child runs as the child: it cannot share! or reset! the writer\'s private atom', () => {
      const r = run(make, [
        withChild(
          `(add-watch m :spy (fn [k r old new] (do (println "watch runs as" (self) "on" r) (try (share! #atom 0 (self)) (catch e (println "share!" (get e :error)))) (reset! #atom 0 :pwned))))`,
          `(reset! mb 1) [(deref secret) (deref mb)]`,
        ),
      ]);
      expect(r.root(0)).toBe('[:secret 1]');
      // The watch printed as process 1, naming the mailbox by process 1's ref, and was refused.
      expect(r.output(0)).toEqual([]);
      expect(r.output(1)).toEqual(['watch runs as 1 on #atom 2', 'share! :capability-denied', '[:watch-failed :spy :capability-denied]']);
      expect(r.k.observe().processes.find((p) => p.pid === 1)!.atoms.map((a) => a.ref)).toEqual([2]);
    });

    it('1. a validator installed by the child runs as the child: its attempt on the writer\'s atom rejects the write, nothing else', () => {
      const r = run(make, [
        withChild(
          `(set-validator! m (fn [x] (if (= x 0) true (do (share! #atom 0 (self)) (reset! #atom 0 :pwned) true))))`,
          `[(try (reset! mb 1) (catch e (get e :error))) (deref secret) (deref mb)]`,
        ),
      ]);
      expect(r.root(0)).toBe('[:validator-rejected :secret 0]');
      expect(r.k.observe().processes.find((p) => p.pid === 1)!.atoms.map((a) => a.ref)).toEqual([2]);
    });

    it('2. a runaway watch of another process is charged to it: the writer\'s write completes and it goes on', () => {
      const r = run(make, [withChild('(add-watch m :loop (fn [k r old new] (loop [] (recur))))', '(reset! mb 1) [:parent-done (deref mb)]')], { quotas: { fuel: 300_000, callbackFuel: 20_000 } });
      expect(r.root(0)).toBe('[:parent-done 1]');
      expect(r.output(1)).toEqual(['[:watch-failed :loop :fuel-exhausted]']);
    });

    it('2. a runaway validator of another process rejects the write with a typed error that names it; the writer goes on', () => {
      const r = run(make, [withChild('(set-validator! m (fn [x] (if (= x 0) true (loop [] (recur)))))', '[(try (reset! mb 1) (catch e [(get e :error) (get e :message)])) (deref mb)]')], {
        quotas: { fuel: 300_000, callbackFuel: 20_000 },
      });
      expect(r.root(0)).toMatch(/^\[\[:validator-rejected "the validator of process 1 failed \(fuel-exhausted: .*"\] 0\]$/);
    });

    it('3. join needs the parent\'s right: a sibling is capability-denied, and so is (join (self)), at once', () => {
      const r = run(make, ['(def secret (atom :secret)) (def a (spawn (fn [] (deref #atom 0)))) (def b (spawn (fn [p] (try (join p) (catch e (get e :error)))) a)) [(join b) (try (join (self)) (catch e (get e :error)))]'], { quotas: { fuel: 10_000 } });
      expect(r.root(0)).toBe('[:capability-denied :capability-denied]');
    });

    it('3. one error kind for every ref outside the table, issued or not', () => {
      const r = run(make, ['(def mine (atom 1)) (def c (spawn (fn [] [(try (deref #atom 0) (catch e (get e :error))) (try (deref #atom 99) (catch e (get e :error)))]))) (join c)']);
      expect(r.root(0)).toBe('[:capability-denied :capability-denied]');
      const k = make({});
      expect(k.apply({ op: 'deref', pid: 0, ref: 0 })).toMatchObject({ ok: false, error: 'capability-denied' });
      k.apply({ op: 'atom', pid: 0, value: '1' });
      k.apply({ op: 'spawn', pid: 0 });
      expect(k.apply({ op: 'deref', pid: 1, ref: 0 })).toMatchObject({ ok: false, error: 'capability-denied' });
      expect(k.apply({ op: 'deref', pid: 1, ref: 12345 })).toMatchObject({ ok: false, error: 'capability-denied' });
    });

    const WORKER = '(loop [i 0 acc 0] (if (< i 5000) (recur (inc i) (+ acc i)) acc))';
    const small = { fuel: 200_000, treeFuel: 200_000 };

    it('4. a fork bomb ends at its tree\'s process bound; a process of another tree finishes its work', () => {
      const r = run(make, [WORKER, '(loop [] (if (fork) (recur) (recur)))'], { quotas: small });
      expect(r.root(0)).toBe('12497500');
      const bomb = [...r.all()].filter(([pid]) => pid !== 0).map(([, v]) => v);
      expect(bomb.length).toBe(64);
      expect(bomb).toContain('!process-limit');
      for (const v of bomb) expect(['!process-limit', '!fuel-exhausted']).toContain(v); // forks split fuel: deep ones may run dry first
    });

    it('4. a fork bomb that catches process-limit ends when its fuel runs out (forks split fuel, retries cost fuel)', () => {
      const r = run(make, [WORKER, '(loop [] (do (try (fork) (catch e nil)) (recur)))'], { quotas: small });
      expect(r.root(0)).toBe('12497500');
      const bomb = [...r.all()].filter(([pid]) => pid !== 0).map(([, v]) => v);
      expect(new Set(bomb)).toEqual(new Set(['!fuel-exhausted']));
    });

    it('4. a spawn bomb ends at its tree\'s fuel; a process of another tree finishes its work', () => {
      const r = run(make, [WORKER, '(defn b [] (do (try (spawn b) (catch e nil)) (try (spawn b) (catch e nil)) (loop [] (recur)))) (b)'], { quotas: small });
      expect(r.root(0)).toBe('12497500');
      const bomb = [...r.all()].filter(([pid]) => pid !== 0).map(([, v]) => v);
      expect(bomb.length).toBeGreaterThan(1);
      expect(new Set(bomb)).toEqual(new Set(['!fuel-exhausted']));
      expect(r.messages().some((m) => /tree/.test(m))).toBe(true);
    });

    it('4. a 40-process hoard ends at its tree\'s heap bound; the other tree keeps its state', () => {
      // Each hoarder keeps a growing chain of atoms (kernel heap cells): within its own quota, but
      // 40 of them are far over the tree's.
      const hoard = '(defn h [] (loop [i 0] (do (atom [i [i] {:i i}]) (if (< i 400) (recur (inc i)) :kept)))) (def ps (mapv (fn [i] (spawn h)) (range 40))) (h)';
      const worker = `(def mine (atom :mine)) ${WORKER}`;
      const r = run(make, [worker, hoard], { quotas: { heapCells: 5_000, treeHeapCells: 20_000, fuel: 2_000_000, treeFuel: 50_000_000 } });
      expect(r.root(0)).toBe('12497500');
      const hoarders = [...r.all()].filter(([pid]) => pid !== 0).map(([, v]) => v);
      expect(hoarders).toContain('!out-of-memory');
      expect(r.messages().some((m) => /its tree \(root 1\) holds/.test(m))).toBe(true);
      expect(r.k.observe().processes.find((p) => p.pid === 0)!.atoms.map((a) => a.value)).toEqual([':mine']);
    });

    it('4. a fork never multiplies fuel: forked processes share what the forker had left', () => {
      // Every process counts in a shared atom until its fuel runs out; with fresh fuel per fork
      // the count would be ~32 times higher.
      const r = run(make, ['(def n (atom 0)) (share! n 0) (fork) (fork) (fork) (fork) (fork) (loop [] (do (swap! n inc) (recur)))'], { quotas: { fuel: 20_000, treeFuel: 1_000_000_000 } });
      const count = Number(r.k.observe().processes.find((p) => p.pid === 0)!.atoms[0]!.value);
      expect(count).toBeGreaterThan(10);
      expect(count).toBeLessThan(20_000);
    });
  });
}
