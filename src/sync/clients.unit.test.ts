import { describe, expect, it } from 'vitest';

import { createManualClock } from '../clock.js';
import { createTenantEdusignLimiters } from './clients.js';

describe("a tenant's Edusign limiter", () => {
  it('is the same for every run of the tenant, so that runs one after another stay under the limit together', async () => {
    // The manual clock records what the limiter waits (and moves time by it).
    const clock = createManualClock(Date.parse('2026-12-03T10:00:00Z'));
    const limiterOf = createTenantEdusignLimiters(clock, 3);
    expect(limiterOf('acme')).toBe(limiterOf('acme'));
    expect(limiterOf('acme')).not.toBe(limiterOf('beta'));

    // A scheduled run takes the minute's three requests without waiting...
    for (let request = 0; request < 3; request++) await limiterOf('acme').acquire();
    expect(clock.sleeps).toEqual([]);
    // ...another tenant is not held up by them...
    await limiterOf('beta').acquire();
    expect(clock.sleeps).toEqual([]);
    // ...and the targeted run that follows waits for the minute to pass.
    await limiterOf('acme').acquire();
    expect(clock.sleeps.reduce((total, ms) => total + ms, 0)).toBeGreaterThanOrEqual(59_000);
  });
});
