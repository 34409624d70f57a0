/**
 * The simulator's seeded random source, so every interleaving it picks is reproducible from its
 * seed: the project's one PRNG (spec/Random.ts).
 * @module
 */
export { createRng, type Rng } from '../spec/Random.js';
