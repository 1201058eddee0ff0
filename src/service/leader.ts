/**
 * One leading scheduler at a time among the processes of a PostgreSQL store: the leader is whoever holds a
 * session-level advisory lock, on a connection of its own kept open for as long as it leads. PostgreSQL releases
 * the lock when that connection ends, so a killed leader hands over within one `retryMs` of its death, and
 * starting two schedulers is safe: the second waits.
 *
 * Hand-written (a dozen lines over `pg`): the job queue's own leader election is for its maintenance, not ours.
 */
import pg from 'pg';

import { toError } from '../errors.js';

export interface LeaderElectionOptions {
  /** The PostgreSQL connection string. */
  url: string;
  /** What is led: processes of one store (its schema) compete, those of another do not. */
  name: string;
  /** How often a follower tries to become the leader (5 s by default). */
  retryMs?: number;
  onChange?: (leading: boolean) => void;
  onError?: (error: Error) => void;
}

export interface LeaderElection {
  isLeader(): boolean;
  /** Gives the leadership up (if held) and stops competing. */
  stop(): Promise<void>;
}

export function startLeaderElection(options: LeaderElectionOptions): LeaderElection {
  const retryMs = options.retryMs ?? 5_000;
  let client: pg.Client | undefined;
  let leading = false;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let attempt: Promise<void> = Promise.resolve();

  const setLeading = (next: boolean) => {
    if (next === leading) return;
    leading = next;
    options.onChange?.(next);
  };

  const drop = () => {
    const dropped = client;
    client = undefined;
    setLeading(false);
    dropped?.end().catch(() => undefined);
  };

  const tryToLead = async () => {
    if (stopped || leading) return;
    try {
      client ??= await connect();
      const { rows } = await client.query<{ locked: boolean }>('select pg_try_advisory_lock(hashtext($1)) as locked', [
        `aimaira-edusign leader ${options.name}`,
      ]);
      if (rows[0]?.locked && !stopped) setLeading(true);
    } catch (error) {
      options.onError?.(toError(error));
      drop();
    }
  };

  const connect = async (): Promise<pg.Client> => {
    const next = new pg.Client({ connectionString: options.url, application_name: 'aimaira-edusign leader' });
    // A lost connection is a lost lock: stop leading at once, compete again at the next try.
    next.on('error', (error) => {
      options.onError?.(error);
      if (client === next) drop();
    });
    next.on('end', () => {
      if (client === next) drop();
    });
    await next.connect();
    return next;
  };

  const loop = () => {
    attempt = tryToLead().finally(() => {
      if (!stopped) timer = setTimeout(loop, retryMs);
    });
  };
  loop();

  return {
    isLeader: () => leading,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await attempt;
      const held = client;
      client = undefined;
      setLeading(false);
      // Ending the session releases the lock: another process leads at its next try.
      await held?.end().catch(() => undefined);
    },
  };
}
