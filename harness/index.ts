/**
 * The differential-testing library of ImmutOS (`immutos/harness`): hold a kernel of your own
 * against the reference, the optimized kernel and the executable specification.
 *
 * - **Engines**: the registry of kernels by name (`reference`, `optimized+hw:tso`,
 *   `reference+mutant:swap-no-retry`, ...) and {@link registerKernelModule} for a kernel you bring.
 * - **Campaigns**: {@link runCampaign} generates cases from a seed, judges each on every kernel
 *   that supports its operations, shrinks a divergence and saves it; {@link runMutantCampaign}
 *   checks that seeded bugs are caught; {@link replayCase} re-runs a saved case.
 * - **Histories**: {@link checkHistory} judges a concurrent history (ours or Jepsen's, {@link readHistory})
 *   for linearizability against a model; {@link renderHistoryHtml} draws it.
 * - **Generators and oracles** for your own property tests: {@link rawCaseArb} and {@link fixup}
 *   (fast-check arbitraries of operation sequences), {@link runDifferential} (one case on several
 *   kernels → a verdict), {@link checkLinearizable}, {@link Coverage}.
 *
 * See docs/oracle-guide.md ("Bring your own kernel") and docs/fuzzing.md.
 * @module
 */
export {
  build,
  availableKernels,
  unavailableKernels,
  selectKernels,
  parseKernelName,
  mutantKernelName,
  registerKernelModule,
  registeredKernelModules,
  kernelModulesOf,
  isKernel,
  loadRegistry,
  EngineUnavailableError,
  KernelModuleError,
  KERNELS_ENV,
  type EngineAdapter,
  type KernelSpare,
  type EngineHandle,
  type ParsedKernelName,
  type KernelModuleExports,
  type Registry,
  type Availability,
} from './engines/registry.js';
export { KernelPool } from './engines/pool.js';
export {
  runCampaign,
  runMutantCampaign,
  mutantTargets,
  select,
  judge,
  type JudgeOptions,
  type JudgeResult,
  ESCALATION_FACTOR,
  escalatedCase,
  shrinkCase,
  caseSeed,
  caseId,
  parseShard,
  replayCommand,
  MUTANT_QUOTAS,
  type CampaignOptions,
  type CampaignResult,
  type CampaignProgress,
  type Failure,
  type MutantCampaignOptions,
  type MutantRow,
  type MutantTarget,
  type Selection,
  type Shard,
} from './campaign/campaign.js';
export { CaseStalledError, DEFAULT_CASE_TIMEOUT_SECONDS } from './campaign/jobs.js';
export { replayCase, readCaseFile, registerCaseModules, type CaseFile } from './campaign/replay.js';
export { runNonInterference, replayNiCase, type NiCase, type NiCampaignOptions, type NiCampaignResult } from './campaign/nonInterference.js';
export { formatStepTable, formatMutantTable, formatCoverage } from './campaign/report.js';
export { ddmin, type DdminOptions } from './campaign/shrink.js';
export { FUZZ_CASE_VERSION, BadCaseError, caseToJson, caseFromJson, type CaseOp, type FuzzCase } from './generators/case.js';
export { rawCaseArb, type RawOp, type RawCaseOptions } from './generators/ops.js';
export { fixup, type FixedCase, type FixupOptions } from './generators/fixup.js';
export { valueArb, type ValueArbOptions } from './generators/values.js';
export { runDifferential, showOutcome, type DifferentialOptions, type DifferentialResult, type NamedKernel, type StepRecord, type Verdict } from './oracles/differential.js';
export { Coverage, type CoverageReport } from './oracles/coverage.js';
export { checkLinearizable, atomModel, historyPicture, type SequentialModel, type Operation } from './oracles/linearizability.js';
export { identical, difference } from './oracles/identical.js';
export { fuzzCaseToItf, counterexampleToItf, tlaTextToItf, jsonToItf, type ItfTrace, type ItfState, type ItfValue, type PrintedState } from './itf.js';
export {
  checkHistory,
  partition,
  UNKNOWN,
  HistoryError,
  type Model,
  type Op as HistoryOp,
  type CheckResult as LinCheckResult,
  type CheckOptions as LinCheckOptions,
  type PartitionReport,
  type UnknownReason,
} from './lin/checker.js';
export { registerModel, casRegisterModel, kvModel, builtinModel, MODEL_NAMES, type ModelName } from './lin/models.js';
export { readHistory, HistoryFormatError, type LoadedHistory } from './lin/formats.js';
export { renderHtml as renderHistoryHtml } from './lin/html.js';
// What the exports above name in their signatures and comments.
export { type AtomState as LinAtomState, type JepsenInput, type JepsenOutput } from './lin/models.js';
export { type PartitionOptions } from './lin/checker.js';
export { type ReadOptions as HistoryReadOptions } from './lin/formats.js';
export { type RenderOptions as HistoryRenderOptions } from './lin/html.js';
export { type AttackScenario } from './generators/attacks.js';
export { CodecOracle } from './oracles/codec.js';
export { type DivergenceReason, type Side, type StepHook } from './oracles/differential.js';
export { type Exclusion, MUTANT_BASES, participants } from './campaign/campaign.js';
export { type KernelCoverage, type OpCoverage } from './oracles/coverage.js';
export { type LoadEncoding } from './generators/binaryLoads.js';
export { type Malformed, type Probe, type StampChoice, FN_POOL, VALIDATOR_POOL, WATCH_KEYS } from './generators/ops.js';
export { type NiCheck } from './oracles/nonInterference.js';
export { type NiFailure, NI_CASE_VERSION, niKernels } from './campaign/nonInterference.js';
export { type Verdict as LinearizabilityVerdict } from './oracles/linearizability.js';
export { type Layout, type ScenarioStep, type Stmt, type RefSel, type PidSel, type AttackOp, ATTACK_SCENARIO_VERSION, fillHoles, type HoleValues } from './generators/attacks.js';
export { type StatField, STAT_FIELDS } from './oracles/coverage.js';
export { type RunTrace, type NiVerdict, type Violation as NiViolation, type StepTrace, type TeamView, type ProcView, type RunMode } from './oracles/nonInterference.js';
export { type CodecCounts } from './oracles/codec.js';
export { runCrashCampaign, crashWorkerPath, type CrashOptions, type CrashProgress, type CrashResult } from './store/crash.js';
