/**
 * Who may do what, as data: every route of the dashboard and of the API declares one `Access`, and `allows` is the
 * only place that turns a person's account into a yes or a no. Roles are read from the store at every request, so a
 * role taken away or an account disabled counts at once.
 *
 * - operator: every tenant, the accounts, the audit of all, the service;
 * - manager of a tenant: its options, credentials, connection check, sync now, explain, events, alerts, pause;
 * - viewer of a tenant: reads its pages (health, runs, events), changes nothing.
 */
import type { TenantRole, User } from '../store/port.js';

export type Access =
  /** Anyone, signed in or not (sign-in, set-up, an invitation's page, the stylesheet). */
  | 'public'
  /** Any signed-in account (the list of its tenants, its own account). */
  | 'signed-in'
  /** A tenant's pages: a viewer, a manager or an operator; anyone else gets 404, as if the tenant did not exist. */
  | 'tenant:view'
  /** Changes to a tenant: a manager or an operator; its viewers get 403, anyone else 404. */
  | 'tenant:manage'
  /** The service itself: accounts, the whole audit. */
  | 'operator';

export const accessLevels = [
  'public',
  'signed-in',
  'tenant:view',
  'tenant:manage',
  'operator',
] as const satisfies Access[];

/** The account behind a request, as the routes see it. */
export interface Principal {
  user: User;
  /** Through a session of the pages, or a personal API token. */
  via: 'dashboard' | 'api';
}

/** The role an account has on a tenant: operators manage every tenant. */
export function roleOn(user: User, tenantId: string): TenantRole | undefined {
  if (user.operator) return 'manager';
  return user.grants.find((grant) => grant.tenantId === tenantId)?.role;
}

export type Verdict = 'allowed' | 'sign-in' | 'forbidden' | 'not-found';

/**
 * Whether `principal` may use a route of this access, on `tenantId` for the tenant's routes. A tenant the account
 * has no role on is "not found" (its existence is not told); a role too weak is "forbidden".
 */
export function allows(access: Access, principal: Principal | undefined, tenantId?: string): Verdict {
  if (access === 'public') return 'allowed';
  if (!principal || principal.user.disabled) return 'sign-in';
  const { user } = principal;
  switch (access) {
    case 'signed-in':
      return 'allowed';
    case 'operator':
      return user.operator ? 'allowed' : 'forbidden';
    case 'tenant:view':
    case 'tenant:manage': {
      const role = tenantId === undefined ? undefined : roleOn(user, tenantId);
      if (role === undefined) return 'not-found';
      if (access === 'tenant:manage' && role !== 'manager') return 'forbidden';
      return 'allowed';
    }
  }
}

/** The tenants an account sees, among `all`: every one for an operator. */
export function visibleTenants<T extends { id: string }>(user: User, all: readonly T[]): T[] {
  if (user.operator) return [...all];
  const mine = new Set(user.grants.map((grant) => grant.tenantId));
  return all.filter((tenant) => mine.has(tenant.id));
}
