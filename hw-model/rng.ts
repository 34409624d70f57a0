/**
 * The simulator's seeded random source, so every interleaving it picks is reproducible from its
 * seed: the project's one PRNG (spec/Random.ts).
 * @module
 */
export { createRng, createRestorableRng, type Rng, type RestorableRng } from '../spec/Random.js';
