/** Exit statuses, an interface scripts depend on. */
export const exitCodes = {
  /** Everything done. */
  ok: 0,
  /** Some records failed; they will be retried at the next run. */
  partial: 1,
  /** The run failed. */
  failed: 2,
  /** Bad usage or configuration (BSD's EX_USAGE). */
  usage: 64,
} as const;
export type ExitCode = (typeof exitCodes)[keyof typeof exitCodes];
