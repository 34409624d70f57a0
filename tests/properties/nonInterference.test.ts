// Non-interference (ADR 0024) as a fuzzed property, with fixed seeds: a victim and an attacker
// (harness/generators/attacks.ts), each scenario run with and without the attacker and with other
// victim secrets (harness/oracles/nonInterference.ts). Required: no violation on any kernel that
// runs programs. Meta-tests: the property catches the seeded authority bugs, and replays of
// saved cases reproduce their verdict.
import { describe, expect, it } from 'vitest';
import { describeScenario, runNonInterference } from '../../harness/campaign/nonInterference.js';
import { availableKernels, build } from '../../harness/engines/registry.js';
import { generateScenario, victimProgramText } from '../../harness/generators/attacks.js';
import { checkScenario, NI_QUOTAS, type RunTrace } from '../../harness/oracles/nonInterference.js';

/** What a failing campaign prints: enough to reproduce without rerunning the test. */
function report(r: Awaited<ReturnType<typeof runNonInterference>>, seed: number): string[] {
  return r.failures.map((f) => [`${f.kernel}, scenario ${f.index} (scenario seed ${f.original.seed}): ${f.violation.property} at ${f.violation.label}: ${f.violation.what}: ${f.violation.left} | ${f.violation.right}`, `reproduce: npx immutos fuzz --ni-only --kernels ${f.kernel} --seed ${seed} --ni-runs ${f.index + 1}`, ...describeScenario(f.shrunk)].join('\n'));
}

describe('non-interference (CI budget)', () => {
  it('the reference kernel: 200 scenarios (seed 24), no violation', async () => {
    const r = await runNonInterference({ kernels: ['reference'], runs: 200, seed: 24, shrink: true, shrinkMillis: 5000 });
    expect(report(r, 24)).toEqual([]);
    expect(r.perKernel[0]!.scenarios).toBe(200);
  }, 120_000);

  it('the optimized kernel: 50 scenarios (seed 25), no violation', async (ctx) => {
    if (!(await availableKernels()).includes('optimized')) ctx.skip();
    const r = await runNonInterference({ kernels: ['optimized'], runs: 50, seed: 25, shrink: true, shrinkMillis: 5000 });
    expect(report(r, 25)).toEqual([]);
    expect(r.perKernel[0]!.scenarios).toBe(50);
  }, 120_000);
});

describe('non-interference: the oracle can fail', () => {
  // Each seeded authority bug of ADR 0024 that a victim or an attacker can observe.
  const AUTHORITY_MUTANTS = ['watch-runs-as-writer', 'validator-runs-as-writer', 'foreign-code-charged-to-writer', 'join-any-process'];

  for (const base of ['reference', 'optimized']) {
    it(`catches the authority mutants of the ${base} kernel within 60 scenarios each (seed 3)`, async (ctx) => {
      if (!(await availableKernels()).includes(base)) ctx.skip();
      const declared = (await build(base)).adapter.mutants;
      const mutants = AUTHORITY_MUTANTS.filter((m) => declared.includes(m));
      if (mutants.length === 0) ctx.skip();
      const r = await runNonInterference({ kernels: mutants.map((m) => `${base}+mutant:${m}`), runs: 60, seed: 3, shrink: false });
      const missed = r.perKernel.filter((p) => p.violations === 0).map((p) => `${p.kernel} (${p.scenarios} scenarios)`);
      expect(missed).toEqual([]);
    }, 120_000);
  }

  it('names the observation, both values and the step of a violation', async () => {
    const h = await build('reference+mutant:join-any-process');
    // the attacker joins the victim after it finished and prints its result (which holds the secrets)
    const s = {
      ...generateScenario(1),
      layout: 'victim-p0' as const,
      helpers: 0,
      privates: ['$S0'],
      victim: [],
      steps: [
        { who: 'victim' as const, act: 'run' as const, proc: 0 },
        { who: 'attacker' as const, act: 'load' as const, proc: 0, program: [{ code: '(prn :stolen (try (join $VP) (catch e (get e :error))))' }] },
        { who: 'attacker' as const, act: 'run' as const, proc: 0 },
      ],
    };
    const c = checkScenario((q) => h.build({ quotas: q }), s);
    expect(c.verdict.ok).toBe(false);
    if (c.verdict.ok) return;
    const v = c.verdict.violation;
    expect(v.property).toBe('confidentiality');
    expect(v.scenarioStep).toBe(2);
    expect(v.what).toBe('attacker process #0: output line 0');
    expect(v.left).toContain(`[${s.secrets[0]![0]} 0]`);
    expect(v.right).toContain(`[${s.secrets[0]![1]} 0]`);
    // the clean kernel refuses the join: no violation
    const clean = await build('reference');
    expect(checkScenario((q) => clean.build({ quotas: q }), s).verdict.ok).toBe(true);
  });

  it('compares the victim up to a renaming of refs and pids', async () => {
    const h = await build('reference');
    const s = { ...generateScenario(7), layout: 'spawned-attacker-first' as const };
    expect(victimProgramText(s)).toContain('(tagged "pid" (self))');
    const c = checkScenario((q) => h.build({ quotas: q }), s);
    const last = (t: RunTrace): RunTrace['steps'][number]['victim'] => t.steps[t.steps.length - 1]!.victim;
    // the attacker's process and atoms shift every global number, yet the victim's names agree
    expect(c.attack.victimPids[0]).not.toBe(c.solo.victimPids[0]);
    expect(c.verdict).toEqual({ ok: true });
    expect(last(c.attack)).toEqual(last(c.solo));
    expect(last(c.attack).procs[0]!.pid).toBe('#pid @0');
    expect(last(c.attack).procs[0]!.atoms.every((a) => /^#atom @\d+$/.test(a[0]))).toBe(true);
    expect(NI_QUOTAS.treeProcesses!).toBeLessThan(NI_QUOTAS.maxProcesses! / 3);
  });
});
