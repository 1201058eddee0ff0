/** "Sync now" for a tenant's managers: the run, its page, and its progress as server-sent events. */
import { streamSSE } from 'hono/streaming';

import type { Web } from '../env.js';
import { audit, pageContext, seeOther, sendMessage, sendPage } from '../env.js';
import { syncPage } from '../pages.js';
import type { Routes } from '../routing.js';
import type { JobEvent } from '../sync-jobs.js';
import { tenantView } from './tenant.js';

/** A comment now and then keeps proxies from closing a quiet stream. */
const streamHeartbeatMs = 15_000;
const jobPath = '/tenants/:tenant/sync/:job{[A-Za-z0-9_-]{16,64}}';

export function syncRoutes(routes: Routes, web: Web): void {
  routes.post('/tenants/:tenant/sync', 'tenant:manage', async (c) => {
    const tenant = c.get('tenant');
    const job = web.jobs.create(tenant.id);
    const result = await web.deps.scheduler.runNow(tenant.id, (progress) => web.jobs.progress(job, progress));
    await audit(web, c, 'tenant.sync', { accepted: result.accepted }, tenant.id);
    if (!result.accepted) {
      const ctx = pageContext(web, c);
      return tenantView(web, c, { notice: { kind: 'error', text: ctx.t('syncBusy', { reason: result.reason }) } }, 409);
    }
    web.jobs.register(job, result.done, (error) => web.deps.onError?.(error, { path: c.req.path }));
    return seeOther(c, `${web.base}/tenants/${encodeURIComponent(tenant.id)}/sync/${job.id}`);
  });

  routes.get(jobPath, 'tenant:manage', (c) => {
    const job = web.jobs.get(c.req.param('job') ?? '');
    const tenant = c.get('tenant');
    if (!job || job.tenantId !== tenant.id) return sendMessage(web, c, 404, 'notFoundTitle', 'notFound');
    return sendPage(
      c,
      200,
      syncPage(pageContext(web, c), {
        tenantId: tenant.id,
        jobId: job.id,
        summary: job.summary,
        error: job.finishedAt !== undefined && !job.summary ? (job.error ?? 'unknown error') : undefined,
      }),
    );
  });

  routes.get(`${jobPath}/events`, 'tenant:manage', (c) => {
    const job = web.jobs.get(c.req.param('job') ?? '');
    if (!job || job.tenantId !== c.get('tenant').id) return sendMessage(web, c, 404, 'notFoundTitle', 'notFound');
    c.header('cache-control', 'no-store');
    return streamSSE(c, async (stream) => {
      const send = (event: JobEvent) =>
        event.type === 'progress'
          ? stream.writeSSE({ event: 'progress', data: JSON.stringify(event.progress) })
          : stream.writeSSE({ event: 'done', data: '{}' });
      if (job.last) await send({ type: 'progress', progress: job.last });
      if (job.finishedAt !== undefined) return send({ type: 'done' });
      // Events come from the run; the stream's callback waits here until the run is done or the browser leaves.
      await new Promise<void>((resolve) => {
        const heartbeat = setInterval(() => void stream.write(': still running\n\n'), streamHeartbeatMs);
        heartbeat.unref();
        // The stream ends once "done" is written, not before: `writeSSE` is async, and a closed stream drops it.
        const listener = (event: JobEvent) => void send(event).finally(() => event.type === 'done' && finish());
        const finish = () => {
          clearInterval(heartbeat);
          job.listeners.delete(listener);
          resolve();
        };
        job.listeners.add(listener);
        stream.onAbort(finish);
      });
    });
  });
}
