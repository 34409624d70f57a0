/**
 * The stages of the main job (`immutos start` / `npm start`), in order.
 * Each later issue adds its stage here (model checking, fuzzing).
 * @module
 */

/** One stage of the main job. */
export interface Stage {
  /** Short name shown in the summary. */
  readonly name: string;
  /** Runs the stage; prints its own progress and returns a one-line summary. */
  readonly run: () => Promise<{ ok: boolean; summary: string }>;
}

import { fuzzStage } from './commands/fuzz.js';
import { checkStage } from './commands/check.js';

/** The stages, in the order they run (fuzzing last). */
export const stages: readonly Stage[] = [checkStage, fuzzStage];
