/**
 * The stages of the main job (`immutos start` / `npm start`), in order.
 * Each later issue adds its stage here (model checking, fuzzing).
 * @module
 */
import { fuzzStage as fuzzRun, stageSeconds } from './commands/fuzz.js';
import { checkStage } from './commands/check.js';

/** How the main job runs its stages. */
export interface StageOptions {
  /** Run everything (`immutos start --full`) rather than the default, shorter selection. */
  readonly full: boolean;
}

/** What a stage will do, announced before the main job starts. */
export interface StagePlan {
  /** Lines describing what the stage runs (e.g. each model and engine, the campaign's size). */
  readonly lines: readonly string[];
  /** Estimated seconds. */
  readonly seconds: number;
}

/** One stage of the main job. */
export interface Stage {
  /** Short name shown in the summary. */
  readonly name: string;
  /** Says what the stage will run and roughly how long it takes, without running it. */
  readonly plan?: (opts: StageOptions) => StagePlan;
  /** Runs the stage; prints its own progress and returns a one-line summary. */
  readonly run: (opts: StageOptions) => Promise<{ ok: boolean; summary: string }>;
}

/** The fuzz stage with its plan: a fixed-seed campaign for a fixed time. */
const fuzzStage: Stage = {
  name: fuzzRun.name,
  plan: () => {
    const seconds = stageSeconds();
    return {
      lines: [`a differential campaign (seed 1, operations and programs) over every available kernel for ${seconds} s, ending with non-interference scenarios (set IMMUTOS_FUZZ_SECONDS to change)`],
      seconds,
    };
  },
  run: (opts) => fuzzRun.run(opts),
};

/** The stages, in the order they run (fuzzing last). */
export const stages: readonly Stage[] = [checkStage, fuzzStage];
