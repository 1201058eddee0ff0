/**
 * A small HTTP receiver on 127.0.0.1 for the webhook tests: it records every request and answers what the test's
 * responder says (200 by default); a responder may also never answer, to test the sender's wait.
 */
import { createServer } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
}

export interface ReceiverAnswer {
  status: number;
  body?: unknown;
  /** Never answer (the socket stays open until the receiver closes). */
  hang?: boolean;
}

export type Responder = (request: ReceivedRequest) => ReceiverAnswer;

export interface WebhookReceiver {
  /** `http://127.0.0.1:PORT`. */
  readonly url: string;
  readonly received: ReceivedRequest[];
  respond(responder: Responder): void;
  /** Resolves once `count` requests on `path` (all paths when absent) have arrived. */
  waitFor(count: number, path?: string, timeoutMs?: number): Promise<ReceivedRequest[]>;
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const received: ReceivedRequest[] = [];
  const sockets = new Set<Socket>();
  let responder: Responder = () => ({ status: 200 });
  let notify: (() => void)[] = [];

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request: ReceivedRequest = {
        method: req.method ?? 'GET',
        path: new URL(req.url ?? '/', 'http://127.0.0.1').pathname,
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        at: Date.now(),
      };
      received.push(request);
      const answer = responder(request);
      for (const wake of notify.splice(0)) wake();
      if (answer.hang) return;
      const payload = answer.body === undefined ? '' : JSON.stringify(answer.body);
      res.writeHead(answer.status, { 'content-type': 'application/json' });
      res.end(payload);
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('receiver has no port');

  return {
    url: `http://127.0.0.1:${address.port}`,
    received,
    respond(next) {
      responder = next;
    },
    async waitFor(count, path, timeoutMs = 5_000) {
      const deadline = Date.now() + timeoutMs;
      const matching = () => received.filter((request) => path === undefined || request.path === path);
      while (matching().length < count) {
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`receiver: ${matching().length} of ${count} requests after ${timeoutMs} ms`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          notify.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
      return matching();
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      notify = [];
    },
  };
}
