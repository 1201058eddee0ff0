/**
 * The dispatch port: between "what is due" (the scheduler's tick, over the pure rules of schedule.ts) and "who runs
 * it". The embedded mode has no dispatcher object: the scheduler runs what is due in its own process. The scaled
 * mode hands each due occurrence to a job queue (queue.ts), and worker processes run it through the same
 * scheduler code (`Scheduler.runOccurrence`), so that locks, claims, health and pauses are one implementation.
 */
import type { Occurrence } from './schedule.js';

export interface Dispatcher {
  /** What hands the work over, for logs and status pages. */
  readonly kind: 'queue';
  /**
   * Hands over the occurrences due now, oldest slot first. Called at every tick of the leading scheduler while an
   * occurrence is not acted on: handing one over twice must be harmless (the queue keeps one waiting job per
   * tenant; the store's claim runs an occurrence once).
   */
  dispatch(due: readonly Occurrence[]): Promise<void>;
}
