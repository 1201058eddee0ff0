/** The stylesheet and the script: no session, cached an hour. */
import type { Web } from '../env.js';
import { dashboardCss, dashboardJs } from '../assets.js';
import type { Routes } from '../routing.js';

export function staticRoutes(routes: Routes, _web: Web): void {
  for (const [name, type, body] of [
    ['dashboard.css', 'text/css; charset=utf-8', dashboardCss],
    ['dashboard.js', 'text/javascript; charset=utf-8', dashboardJs],
  ] as const) {
    routes.get(`/static/${name}`, 'public', (c) => {
      c.header('content-type', type);
      c.header('cache-control', 'public, max-age=3600');
      return c.body(body);
    });
  }
}
