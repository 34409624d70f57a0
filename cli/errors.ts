/**
 * Errors a CLI command throws to choose its exit code.
 * @module
 */

/** Bad usage or bad input: exit code 2, one-line message. */
export class UsageError extends Error {
  /** Creates the error with a one-line message. */
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A check ran and failed (a model differs from its manifest, a divergence was found): exit code 1. */
export class CheckFailed extends Error {
  /** Creates the error with a one-line summary. */
  constructor(message: string) {
    super(message);
    this.name = 'CheckFailed';
  }
}
