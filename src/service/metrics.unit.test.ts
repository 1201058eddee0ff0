import { describe, expect, it } from 'vitest';

import { createManualClock } from '../clock.js';
import { createServiceMetrics, statusClass } from './metrics.js';
import type { LastSuccess } from './metrics.js';

/** The value of one series in the Prometheus text, e.g. `runs_total{tenant="acme",...}`. */
function valueOf(text: string, series: string): number | undefined {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('service metrics', () => {
  const start = new Date('2026-11-30T10:30:00Z');

  function metrics(successes: LastSuccess[] = []) {
    const clock = createManualClock(start);
    const service = createServiceMetrics({
      clock,
      lastSuccesses: () => Promise.resolve(successes),
      processMetrics: false,
    });
    return { clock, service };
  }

  it('counts runs by tenant, direction and status, and records by kind and action', async () => {
    const { service } = metrics();
    service.recordRun({
      tenantId: 'acme',
      direction: 'down',
      status: 'success',
      counts: { 'sheet.created': 12, 'learner.created': 40, 'sheet.skipped': 3, 'group.updated': 0 },
    });
    service.recordRun({ tenantId: 'acme', direction: 'down', status: 'success', counts: { 'sheet.updated': 2 } });
    service.recordRun({ tenantId: 'acme', direction: 'up', status: 'failed', counts: {} });
    service.recordRun({ tenantId: 'acme', direction: 'up', status: 'partial', counts: { 'attendance.created': 5 } });
    const text = await service.render();
    expect(valueOf(text, 'aimaira_edusign_runs_total{tenant="acme",direction="down",status="success"}')).toBe(2);
    expect(valueOf(text, 'aimaira_edusign_runs_total{tenant="acme",direction="up",status="failed"}')).toBe(1);
    expect(valueOf(text, 'aimaira_edusign_runs_total{tenant="acme",direction="up",status="partial"}')).toBe(1);
    expect(valueOf(text, 'aimaira_edusign_records_total{kind="sheet",action="created"}')).toBe(12);
    expect(valueOf(text, 'aimaira_edusign_records_total{kind="sheet",action="skipped"}')).toBe(3);
    expect(valueOf(text, 'aimaira_edusign_records_total{kind="sheet",action="updated"}')).toBe(2);
    expect(valueOf(text, 'aimaira_edusign_records_total{kind="attendance",action="created"}')).toBe(5);
    expect(valueOf(text, 'aimaira_edusign_records_total{kind="group",action="updated"}')).toBeUndefined();
  });

  it('counts API requests by system, method and status class, and their latency by system', async () => {
    const { service } = metrics();
    const exchange = { url: 'https://x', attempt: 1 };
    service.observeExchange({ ...exchange, system: 'edusign', method: 'POST', status: 200, durationMs: 40 });
    service.observeExchange({ ...exchange, system: 'edusign', method: 'POST', status: 201, durationMs: 60 });
    service.observeExchange({ ...exchange, system: 'edusign', method: 'GET', status: 429, durationMs: 5 });
    service.observeExchange({ ...exchange, system: 'aimaira', method: 'GET', status: undefined, durationMs: 30_000 });
    const text = await service.render();
    const requests = 'aimaira_edusign_api_requests_total';
    expect(valueOf(text, `${requests}{system="edusign",method="POST",status_class="2xx"}`)).toBe(2);
    expect(valueOf(text, `${requests}{system="edusign",method="GET",status_class="4xx"}`)).toBe(1);
    expect(valueOf(text, `${requests}{system="aimaira",method="GET",status_class="none"}`)).toBe(1);
    const latency = 'aimaira_edusign_api_request_duration_seconds';
    expect(valueOf(text, `${latency}_count{system="edusign"}`)).toBe(3);
    expect(valueOf(text, `${latency}_sum{system="edusign"}`)).toBeCloseTo(0.105);
    expect(valueOf(text, `${latency}_bucket{le="0.05",system="edusign"}`)).toBe(2);
    expect(valueOf(text, `${latency}_bucket{le="30",system="aimaira"}`)).toBe(1);
  });

  it("tells at each scrape how long ago each tenant's last successful run ended", async () => {
    const { clock, service } = metrics([
      { tenantId: 'acme', direction: 'down', endedAt: '2026-11-30T10:00:00.000Z' },
      { tenantId: 'acme', direction: 'up', endedAt: '2026-11-30T10:29:00.000Z' },
    ]);
    const gauge = 'aimaira_edusign_seconds_since_last_successful_run';
    let text = await service.render();
    expect(valueOf(text, `${gauge}{tenant="acme",direction="down"}`)).toBe(1800);
    expect(valueOf(text, `${gauge}{tenant="acme",direction="up"}`)).toBe(60);
    clock.advance(60_000);
    text = await service.render();
    expect(valueOf(text, `${gauge}{tenant="acme",direction="down"}`)).toBe(1860);
  });

  it('keeps each service in its own registry', async () => {
    const first = metrics().service;
    const second = metrics().service;
    first.recordRun({ tenantId: 'acme', direction: 'down', status: 'success', counts: {} });
    // The first registry holds the run: a service that records nothing would also leave the second one empty.
    const runs = 'aimaira_edusign_runs_total{tenant="acme",direction="down",status="success"}';
    expect(valueOf(await first.render(), runs)).toBe(1);
    expect(await second.render()).not.toContain('tenant="acme"');
    expect(valueOf(await second.render(), runs)).toBeUndefined();
  });

  it('names status classes', () => {
    expect([200, 204, 302, 404, 429, 503, undefined].map(statusClass)).toEqual([
      '2xx',
      '2xx',
      '3xx',
      '4xx',
      '4xx',
      '5xx',
      'none',
    ]);
  });
});
