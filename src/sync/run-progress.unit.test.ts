import { describe, expect, it } from 'vitest';

import { createManualClock } from '../clock.js';
import { createRunProgressRecorder, runProgressEveryMs } from './run-progress.js';

const start = Date.parse('2026-11-30T10:00:00Z');

/** A store that records each progress saved, answering at once or when told. */
function recordingStore(options: { fail?: boolean; hold?: boolean } = {}) {
  const saved: { done: number; total: number; at: string }[] = [];
  const held: (() => void)[] = [];
  return {
    saved,
    release: () => held.splice(0).forEach((resolve) => resolve()),
    saveRunProgress(_runId: number, progress: { done: number; total: number }, at: string) {
      saved.push({ ...progress, at });
      if (options.fail) return Promise.reject(new Error('database is locked'));
      if (options.hold) return new Promise<boolean>((resolve) => held.push(() => resolve(true)));
      return Promise.resolve(true);
    },
  };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('a run’s progress in the store', () => {
  it('is saved at most once a second, plus the last record', async () => {
    const clock = createManualClock(start);
    const store = recordingStore();
    const recorder = createRunProgressRecorder(store, 7, clock);
    for (let done = 1; done <= 10; done++) {
      recorder.report(done, 10);
      await settle();
      if (done === 4) clock.advance(runProgressEveryMs - 1);
      if (done === 5) clock.advance(1);
    }
    await recorder.flush();
    expect(store.saved.map((progress) => progress.done)).toEqual([1, 6, 10]);
    expect(store.saved[1]?.at).toBe(new Date(start + runProgressEveryMs).toISOString());
  });

  it('saves on flush what was held back, and nothing twice', async () => {
    const clock = createManualClock(start);
    const store = recordingStore();
    const recorder = createRunProgressRecorder(store, 7, clock);
    recorder.report(1, 50);
    recorder.report(2, 50);
    await recorder.flush();
    await recorder.flush();
    expect(store.saved.map((progress) => progress.done)).toEqual([1, 2]);
  });

  it('writes one at a time, and the last record right after the write in flight', async () => {
    const clock = createManualClock(start);
    const store = recordingStore({ hold: true });
    const recorder = createRunProgressRecorder(store, 7, clock);
    recorder.report(1, 3);
    clock.advance(5 * runProgressEveryMs);
    recorder.report(2, 3);
    recorder.report(3, 3);
    expect(store.saved.map((progress) => progress.done)).toEqual([1]);
    store.release();
    await settle();
    expect(store.saved.map((progress) => progress.done)).toEqual([1, 3]);
    const flushed = recorder.flush();
    store.release();
    await flushed;
    expect(store.saved).toHaveLength(2);
  });

  it('never fails the run when the store does', async () => {
    const clock = createManualClock(start);
    const store = recordingStore({ fail: true });
    const recorder = createRunProgressRecorder(store, 7, clock);
    recorder.report(1, 2);
    await settle();
    recorder.report(2, 2);
    await expect(recorder.flush()).resolves.toBeUndefined();
    expect(store.saved.map((progress) => progress.done)).toEqual([1, 2]);

    const throwing = createRunProgressRecorder(
      {
        saveRunProgress: () => {
          throw new Error('store closed');
        },
      },
      7,
      clock,
    );
    expect(() => throwing.report(1, 1)).not.toThrow();
    await expect(throwing.flush()).resolves.toBeUndefined();
  });
});
