/** The audit of every change, for operators: filters, pages, and a CSV download of what the filters select. */
import { z } from 'zod';

import { auditActions } from '../../store/port.js';
import type { AuditEntry, AuditFilter } from '../../store/port.js';
import type { Web } from '../env.js';
import { pageContext, sendPage } from '../env.js';
import { auditPage } from '../pages-people.js';
import type { AuditQuery } from '../pages-people.js';
import { describeDetail } from '../pages.js';
import type { Routes } from '../routing.js';

const pageSize = 100;
/** A download holds at most this many entries (the newest); narrow the filters for older ones. */
const csvMaxRows = 50_000;

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);
/** Filters from the query string; an unknown value is ignored, not an error. */
const AuditQuerySchema = z.object({
  tenant: z.string().max(100).optional().catch(undefined),
  actor: z.string().trim().toLowerCase().max(320).optional().catch(undefined),
  action: z.enum(auditActions).optional().catch(undefined),
  since: day.optional().catch(undefined),
  until: day.optional().catch(undefined),
  before: z.coerce.number().int().positive().optional().catch(undefined),
});

function parseQuery(query: Record<string, string>): AuditQuery {
  const parsed = AuditQuerySchema.parse(query);
  return Object.fromEntries(Object.entries(parsed).filter(([, value]) => value !== undefined && value !== ''));
}

async function filterOf(web: Web, query: AuditQuery, limit: number): Promise<AuditFilter | undefined> {
  let actorId: number | undefined;
  if (query.actor !== undefined) {
    const actor = await web.deps.accounts.getUserByEmail(query.actor);
    if (!actor) return undefined;
    actorId = actor.id;
  }
  return {
    limit,
    ...(query.tenant !== undefined && { tenantId: query.tenant }),
    ...(actorId !== undefined && { actorId }),
    ...(query.action !== undefined && { action: query.action }),
    // Days are UTC days: the CSV's instants are UTC too.
    ...(query.since !== undefined && { since: `${query.since}T00:00:00.000Z` }),
    ...(query.until !== undefined && {
      until: new Date(Date.parse(`${query.until}T00:00:00.000Z`) + 86_400_000).toISOString(),
    }),
    ...(query.before !== undefined && { beforeId: query.before }),
  };
}

/** A cell of the CSV: quoted, and a leading = + - @ defused, so that a spreadsheet never runs it as a formula. */
function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return `"${safe.replaceAll('"', '""')}"`;
}

export function auditCsv(entries: readonly AuditEntry[]): string {
  const header = ['id', 'at', 'actor', 'via', 'address', 'tenant', 'action', 'detail'];
  const lines = entries.map((entry) =>
    [
      String(entry.id),
      entry.at,
      entry.actorEmail ?? 'service',
      entry.via,
      entry.address ?? '',
      entry.tenantId ?? '',
      entry.action,
      describeDetail(entry.detail),
    ]
      .map(csvCell)
      .join(','),
  );
  return `${[header.join(','), ...lines].join('\r\n')}\r\n`;
}

export function auditRoutes(routes: Routes, web: Web): void {
  const search = (query: AuditQuery) => {
    const { before: _before, ...rest } = query;
    return new URLSearchParams(rest as Record<string, string>).toString();
  };

  routes.get('/audit', 'operator', async (c) => {
    const query = parseQuery(c.req.query());
    const filter = await filterOf(web, query, pageSize + 1);
    const entries = filter ? await web.deps.accounts.listAudit(filter) : [];
    const shown = entries.slice(0, pageSize);
    return sendPage(
      c,
      200,
      auditPage(pageContext(web, c), {
        entries: shown,
        query,
        tenantIds: (await web.deps.tenants.list()).map((tenant) => tenant.id),
        olderBefore: entries.length > pageSize ? shown.at(-1)?.id : undefined,
        csvHref: `${web.base}/audit.csv?${search(query)}`,
      }),
    );
  });

  routes.get('/audit.csv', 'operator', async (c) => {
    const filter = await filterOf(web, parseQuery(c.req.query()), csvMaxRows);
    const entries = filter ? await web.deps.accounts.listAudit(filter) : [];
    c.header('content-type', 'text/csv; charset=utf-8');
    c.header(
      'content-disposition',
      `attachment; filename="audit-${new Date(web.now()).toISOString().slice(0, 10)}.csv"`,
    );
    c.header('cache-control', 'no-store');
    return c.body(auditCsv(entries));
  });
}
