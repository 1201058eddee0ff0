/**
 * Personal API tokens: `aes_` and 32 random bytes in base64url. The token is shown once to its owner (the account
 * page makes it with `newApiToken`); the store keeps only `hashApiToken(token)`, SHA-256 in hex.
 */
import { createHash, randomBytes } from 'node:crypto';

export const apiTokenPrefix = 'aes_';

/** What `newApiToken` makes: anything else in `Authorization` is not worth a look-up in the store. */
export const apiTokenPattern = /^aes_[A-Za-z0-9_-]{43}$/;

/** A new token, to show once to its owner; store only its hash. */
export function newApiToken(): string {
  return `${apiTokenPrefix}${randomBytes(32).toString('base64url')}`;
}

/** SHA-256 (hex) of a token: what `AccountStore.createApiToken` stores and `findApiToken` looks up. */
export function hashApiToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** The token of an `Authorization: Bearer <token>` header; undefined without one. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer[ ]+(\S+)[ ]*$/i.exec(header ?? '');
  return match?.[1];
}
