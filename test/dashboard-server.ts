/** A dashboard handler on a loopback port of its own, as the service mounts it: what it does not answer is a 404. */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { DashboardHandler } from '../src/web/dashboard.js';

export async function serveDashboard(handler: DashboardHandler): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((request, response) => {
    void handler(request, response).then((handled) => {
      if (!handled) response.writeHead(404).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
