/**
 * The prelude (the core library written in the language) is part of the semantics: it lives in
 * spec/Prelude.ts, which every kernel evaluates.
 * @module
 */
export { PRELUDE } from '../../spec/Prelude.js';
