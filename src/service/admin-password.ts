/**
 * The dashboard's administrator password, as the service keeps it: a plaintext from the environment
 * (`AIMAIRA_EDUSIGN_ADMIN_PASSWORD`, read in src/cli/env.ts, hashed by the dashboard at start, never written), else
 * the scrypt hash of `<data-dir>/admin.json` (mode 0600), else nothing yet: then a one-time set-up token, printed
 * in the service's log, lets the first visitor choose the password on the dashboard's `/setup` page, and its hash
 * is saved to that file for the next starts.
 */
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

import { z } from 'zod';

import { ConfigError } from '../errors.js';
import type { AdminPassword } from '../web/deps.js';
import { isPasswordHash, randomToken } from '../web/security.js';

export const adminPasswordEnvVar = 'AIMAIRA_EDUSIGN_ADMIN_PASSWORD';
export const adminFileName = 'admin.json';
/** The dashboard's rule (src/web/dashboard.ts). */
export const minAdminPasswordLength = 12;

const AdminFile = z.object({ passwordHash: z.string().refine(isPasswordHash, 'not a scrypt hash') });

export type ServiceAdminPassword =
  | { source: 'environment'; password: AdminPassword }
  | { source: 'file'; file: string; password: AdminPassword }
  | { source: 'setup'; file: string; setupToken: string; password: AdminPassword }
  /** No password given, but the store has accounts (the first operator was made on the set-up page): sign in. */
  | { source: 'accounts'; password: AdminPassword };

/**
 * Where the password comes from for this start. A file that cannot be read as one is an error (delete it to set a
 * new password through `/setup`), not a silent fallback to the set-up page, which anyone with the log could use.
 */
export async function loadAdminPassword(options: {
  dataDir: string;
  plaintext?: string | undefined;
}): Promise<ServiceAdminPassword> {
  if (options.plaintext !== undefined) {
    if (options.plaintext.length < minAdminPasswordLength) {
      throw new ConfigError([`${adminPasswordEnvVar}: needs at least ${minAdminPasswordLength} characters`]);
    }
    return { source: 'environment', password: { plaintext: options.plaintext } };
  }
  const file = join(options.dataDir, adminFileName);
  let text: string | undefined;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  if (text !== undefined) {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    const parsed = AdminFile.safeParse(json);
    if (!parsed.success) {
      throw new ConfigError([
        `${file}: not an administrator password file; delete it to choose a new password on the dashboard's ` +
          `set-up page, or set ${adminPasswordEnvVar}`,
      ]);
    }
    return { source: 'file', file, password: { hash: parsed.data.passwordHash } };
  }
  const setupToken = randomToken();
  return {
    source: 'setup',
    file,
    setupToken,
    password: { setupToken },
  };
}

/** Writes the hash, readable by its owner only, replacing the file at once (never half written). */
export async function saveAdminPasswordHash(file: string, hash: string): Promise<void> {
  // The data folder, when this is the first file in it (a PostgreSQL store): 0700, as the store makes it.
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify({ passwordHash: hash }, null, 2)}\n`, { mode: 0o600 });
  await chmod(temporary, 0o600); // whatever the umask
  await rename(temporary, file);
}
