/**
 * The crash harness of the durable store: runs a workload of durable swaps in a child process
 * (crashWorker.ts, compiled), kills it with SIGKILL at a random point, reopens the database and
 * checks that
 * - no acknowledged transition is lost (each `ACK` line the child printed is in the log as printed);
 * - nothing unacknowledged half-appears: the log is positions 1..basis without a hole, every record
 *   passes its checksum, every atom's stamps go 0, 1, 2, …, and every value the child wrote loads
 *   with every node present and matching its hash;
 * - as-of answers for past positions are unchanged (answers sampled after earlier kills are asked again).
 * The database carries over from kill to kill, so each child continues the history. Runs are
 * reproducible in their choices (kill delays, samples, values) from the seed; where the kill lands
 * depends on timing too, so a failure keeps the database for inspection.
 * @module
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRng } from '../../spec/Random.js';
import { StoreError, type Transition } from '../../spec/Store.js';
import { LmdbStore } from '../../store/LmdbStore.js';

/** Options of {@link runCrashCampaign}. */
export interface CrashOptions {
  /** Child processes to kill. */
  readonly kills: number;
  /** The seed of every random choice. */
  readonly seed: number;
  /** The database directory (default: a fresh temporary one, removed after a passing run). */
  readonly dir?: string;
  /** Concurrent writers in the child (default 4). */
  readonly writers?: number;
  /** Longest wait before a kill, in ms after the child is ready (default 60). */
  readonly maxDelayMs?: number;
  /** Writes after which a child stops by itself (default 400); a child that finishes is not counted as a kill. */
  readonly maxWrites?: number;
  /**
   * How the child writes: `commit` (default: each writer awaits `commit`, writes share group
   * commits), `flush` (rounds of one staged swap per writer and one `flush`, as a kernel's
   * scheduler would), or the seeded bug `ack-before-commit` (acknowledges staged swaps; for the
   * harness's own test).
   */
  readonly mode?: 'commit' | 'flush' | 'ack-before-commit';
  /** Called after each round. */
  readonly onProgress?: (p: CrashProgress) => void;
}

/** Where a campaign is. */
export interface CrashProgress {
  /** Kills done. */
  readonly kills: number;
  /** Kills asked for. */
  readonly of: number;
  /** Acknowledged transitions checked so far. */
  readonly acked: number;
  /** The log's basis after the last reopen. */
  readonly basis: number;
}

/** What a campaign found. */
export interface CrashResult {
  /** Children killed with SIGKILL. */
  readonly kills: number;
  /** Children that finished their writes before the kill (checked the same way, not counted as kills). */
  readonly finished: number;
  /** Acknowledged transitions the children printed, all checked after reopening. */
  readonly acked: number;
  /** Acknowledged transitions missing or different after reopening (must be 0). */
  readonly lost: number;
  /** Final basis of the log. */
  readonly basis: number;
  /** As-of answers re-asked after later kills. */
  readonly asOfChecks: number;
  /** The problems found (empty on success), each naming the round. */
  readonly failures: readonly string[];
  /** The seed. */
  readonly seed: number;
  /** The database directory (kept when the run failed or a directory was given). */
  readonly dir: string;
  /** The command that runs this campaign again. */
  readonly replay: string;
  /** Wall-clock seconds. */
  readonly seconds: number;
}

/** The compiled child script: beside this file when compiled, else under `dist/`. */
export function crashWorkerPath(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const beside = join(here, 'crashWorker.js');
  if (existsSync(beside)) return beside;
  const fromSource = join(here, '..', '..', 'dist', 'harness', 'store', 'crashWorker.js');
  if (existsSync(fromSource)) return fromSource;
  throw new Error(`the crash worker is not built (looked for ${beside} and ${fromSource}): run \`npm run build\``);
}

interface ChildRun { readonly acks: Transition[]; readonly killed: boolean; readonly stderr: string; readonly code: number | null }

function runChild(worker: string, dir: string, seed: number, writers: number, maxWrites: number, delayMs: number, mode: string | undefined): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const args = [worker, dir, String(seed), String(writers), String(maxWrites), ...(mode !== undefined ? [mode] : [])];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let buf = '';
    let stderr = '';
    const acks: Transition[] = [];
    let killed = false;
    let timer: NodeJS.Timeout | undefined;
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => { stderr += d; });
    child.stdout.on('data', (d: string) => {
      buf += d;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        const m = /^ACK (\d+) (\S+) (\d+) ([0-9a-f]{64})$/.exec(line);
        if (m) acks.push({ t: Number(m[1]), tx: 0, atom: m[2]!, stamp: Number(m[3]), hash: m[4]!, time: 0, writer: 0 });
        else if (line.startsWith('READY') && timer === undefined) {
          timer = setTimeout(() => { killed = child.kill('SIGKILL'); }, delayMs);
        }
      }
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (timer !== undefined) clearTimeout(timer);
      // a line cut by the kill is not an acknowledgement: only complete lines count
      resolve({ acks, killed: killed && code !== 0, stderr, code });
    });
  });
}

/**
 * Runs the crash campaign.
 * @throws Error when the worker script is not built.
 */
export async function runCrashCampaign(options: CrashOptions): Promise<CrashResult> {
  const started = Date.now();
  const worker = crashWorkerPath();
  const rng = createRng(options.seed);
  const ownDir = options.dir === undefined;
  const base = options.dir ?? mkdtempSync(join(tmpdir(), 'immutos-crash-'));
  const dir = ownDir ? join(base, 'db') : base;
  const writers = options.writers ?? 4;
  const maxDelay = options.maxDelayMs ?? 60;
  const maxWrites = options.maxWrites ?? 400;
  const failures: string[] = [];
  const answers = new Map<string, string>(); // `${atom}@${t}` -> hash or '-'
  const nextStamp = new Map<string, number>(); // each atom's next stamp in the checked log
  let kills = 0;
  let finished = 0;
  let acked = 0;
  let lost = 0;
  let asOfChecks = 0;
  let basis = 0;
  let round = 0;
  while (kills < options.kills && failures.length === 0) {
    round++;
    const run = await runChild(worker, dir, rng.int(2 ** 31), writers, maxWrites, rng.int(maxDelay + 1), options.mode);
    if (run.killed) kills++;
    else if (run.code === 0) finished++;
    else { failures.push(`round ${round}: the child failed (exit ${run.code}): ${run.stderr.trim().slice(0, 400)}`); break; }
    let store: LmdbStore;
    try {
      store = await LmdbStore.open(dir, { create: false });
    } catch (e) {
      failures.push(`round ${round}: reopening failed: ${(e as Error).message}`);
      break;
    }
    try {
      const before = basis;
      basis = store.basis();
      // the new part of the log: positions before+1..basis, every record whole, stamps consecutive per atom
      if (basis < before) failures.push(`round ${round}: the basis went back from ${before} to ${basis}`);
      const fresh = store.since(before);
      if (fresh.some((tr, i) => tr.t !== before + i + 1) || (fresh.length > 0 && fresh[fresh.length - 1]!.t !== basis)) {
        failures.push(`round ${round}: the log has a hole or a stray position after t=${before} (basis ${basis})`);
      }
      for (const tr of fresh) {
        const want = nextStamp.get(tr.atom) ?? 0;
        if (tr.stamp !== want) failures.push(`round ${round}: atom ${tr.atom} at t=${tr.t} has stamp ${tr.stamp}, ${want} expected`);
        nextStamp.set(tr.atom, tr.stamp + 1);
        store.value(tr.hash); // every node present and hash-valid
      }
      // every acknowledged transition, as printed
      for (const a of run.acks) {
        acked++;
        const got = a.t > before ? fresh[a.t - before - 1] : store.since(a.t - 1)[0];
        if (got === undefined || got.atom !== a.atom || got.stamp !== a.stamp || got.hash !== a.hash) {
          lost++;
          failures.push(`round ${round}: acknowledged t=${a.t} ${a.atom} stamp ${a.stamp} is ${got === undefined ? 'missing' : `t=${got.t} ${got.atom} stamp ${got.stamp} ${got.hash}`}`);
        }
      }
      // as-of answers given after earlier kills are unchanged
      for (const [k, h] of answers) {
        const at = k.lastIndexOf('@');
        const tr = store.asOf(k.slice(0, at), Number(k.slice(at + 1)));
        asOfChecks++;
        if ((tr?.hash ?? '-') !== h) failures.push(`round ${round}: as-of ${k} was ${h}, now ${tr?.hash ?? '-'}`);
      }
      if (basis > 0 && answers.size < 400) {
        for (let i = 0; i < 4; i++) {
          const t = 1 + rng.int(basis);
          const atom = `atom-${rng.int(writers)}`;
          answers.set(`${atom}@${t}`, store.asOf(atom, t)?.hash ?? '-');
        }
      }
    } catch (e) {
      failures.push(`round ${round}: ${e instanceof StoreError ? `${e.name}: ` : ''}${(e as Error).message}`);
    } finally {
      await store.close();
    }
    options.onProgress?.({ kills, of: options.kills, acked, basis });
  }
  const replay = `immutos store crash --kills ${options.kills} --seed ${options.seed}${options.writers !== undefined ? ` --writers ${options.writers}` : ''}${options.mode !== undefined ? ` --mode ${options.mode}` : ''}${options.maxDelayMs !== undefined ? ` --max-delay ${options.maxDelayMs}` : ''}`;
  if (failures.length === 0 && ownDir) rmSync(base, { recursive: true, force: true });
  return { kills, finished, acked, lost, basis, asOfChecks, failures, seed: options.seed, dir, replay, seconds: (Date.now() - started) / 1000 };
}
