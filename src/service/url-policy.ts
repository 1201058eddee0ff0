/**
 * Which addresses a tenant's Aimaira and Edusign URLs may point at. The connector calls these URLs with the
 * tenant's credentials from inside the operator's network, so a URL typed by a tenant must not reach a host of
 * that network (a database, a cloud metadata service, the dashboard itself): https to a public address only.
 *
 * The host is checked as written (after the WHATWG URL parser has normalised numeric forms such as `2130706433`
 * or `0x7f.1` to `127.0.0.1`) and, when it is a name, every address it resolves to. Plain http and loopback are
 * accepted only when the service allows them explicitly, for the simulators of the sandbox and the tests.
 *
 * The check runs when a tenant is saved, when it is loaded and when `sync` or `explain` read a configuration file;
 * the same classification runs again at connect time for every request (src/http/connect-guard.ts), on the address
 * actually connected to, so a name that resolves elsewhere later (DNS rebinding) is refused there.
 *
 * The address classes are ipaddr.js's special-purpose ranges (the IANA registries); only the cloud metadata
 * addresses and the global unicast block 2000::/3 are named here.
 */
import { lookup } from 'node:dns/promises';
import { isIPv4, isIPv6 } from 'node:net';

import ipaddr from 'ipaddr.js';

import { ConfigError } from '../errors.js';

/** Every address `hostname` resolves to (IPv4 and IPv6). Throws when it does not resolve. */
export type HostResolver = (hostname: string) => Promise<readonly string[]>;

export const systemResolver: HostResolver = async (hostname) =>
  (await lookup(hostname, { all: true, verbatim: true })).map((entry) => entry.address);

export interface UrlPolicyOptions {
  /** Accept http and loopback hosts (`127.0.0.0/8`, `::1`, `localhost`): the simulators. Off by default. */
  allowLoopbackHttp?: boolean;
  /** DNS look-up; the system resolver by default (tests inject their own). */
  resolve?: HostResolver;
}

/** Why a URL is refused. */
export type UrlRefusal =
  | 'invalid'
  | 'scheme'
  | 'http'
  | 'credentials'
  | 'query'
  | 'unresolvable'
  | 'loopback'
  | 'private'
  | 'shared'
  | 'link-local'
  | 'metadata'
  | 'unique-local'
  | 'unspecified'
  | 'reserved'
  | 'multicast';

/** A tenant URL the policy refuses; the message names the field and the reason. Exit status 64 on the CLI. */
export class UrlPolicyError extends ConfigError {
  override name = 'UrlPolicyError';
  readonly field: string;
  readonly refusal: UrlRefusal;
  constructor(field: string, refusal: UrlRefusal, message: string) {
    super([`${field}: ${message}`]);
    this.field = field;
    this.refusal = refusal;
  }
}

/** What an address that is not a public unicast one is, with the words used to explain the refusal. */
export interface AddressClass {
  readonly refusal: Exclude<UrlRefusal, 'invalid' | 'scheme' | 'http' | 'credentials' | 'query' | 'unresolvable'>;
  readonly label: string;
}

/**
 * The cloud metadata services, refused by name before the range they sit in (link-local, unique-local) so that
 * the message says what the address is.
 */
const metadataAddresses: ReadonlySet<string> = new Set(['169.254.169.254', 'fd00:ec2::254']);

/**
 * ipaddr.js's names of the special-purpose ranges (IANA registries), as refusals. A range ipaddr.js adds in a
 * later version and this table does not name yet is refused as reserved: unknown is not public.
 */
const ipv4Classes: Readonly<Record<string, Omit<AddressClass, 'label'> & { what: string }>> = {
  unspecified: { refusal: 'unspecified', what: 'the "this network" range' },
  broadcast: { refusal: 'reserved', what: 'the broadcast address' },
  multicast: { refusal: 'multicast', what: 'a multicast address' },
  linkLocal: { refusal: 'link-local', what: 'a link-local address' },
  loopback: { refusal: 'loopback', what: 'a loopback address' },
  carrierGradeNat: { refusal: 'shared', what: 'a carrier-grade NAT address' },
  private: { refusal: 'private', what: 'a private address' },
  // 192.0.0.0/24, documentation, benchmarking, the 6to4 relay anycast 192.88.99.0/24, 240.0.0.0/4.
  reserved: { refusal: 'reserved', what: 'a reserved address' },
  as112: { refusal: 'reserved', what: 'an AS112 DNS sink address' },
  amt: { refusal: 'reserved', what: 'an AMT relay address' },
};

const ipv6Classes: Readonly<Record<string, Omit<AddressClass, 'label'> & { what: string }>> = {
  unspecified: { refusal: 'unspecified', what: 'the unspecified address' },
  linkLocal: { refusal: 'link-local', what: 'a link-local address' },
  multicast: { refusal: 'multicast', what: 'a multicast address' },
  loopback: { refusal: 'loopback', what: 'the loopback address' },
  uniqueLocal: { refusal: 'unique-local', what: 'a unique-local address' },
  deprecatedSiteLocal: { refusal: 'private', what: 'a site-local address' },
  // Tunnels and translations reach an IPv4 address of somebody's choosing through a relay: never a service.
  '6to4': { refusal: 'reserved', what: 'a 6to4 address' },
  teredo: { refusal: 'reserved', what: 'a Teredo address' },
  rfc6052: { refusal: 'reserved', what: 'a local-use NAT64 address' },
  rfc6145: { refusal: 'reserved', what: 'an IPv4-translated address' },
  discard: { refusal: 'reserved', what: 'a discard-only address' },
  reserved: { refusal: 'reserved', what: 'a reserved address' },
};

/** The range of ipaddr.js's table named `name` that holds `address`, as CIDR text. */
function rangeOf(address: ipaddr.IPv4 | ipaddr.IPv6, name: string): string | undefined {
  type Subnet = [ipaddr.IPv4 | ipaddr.IPv6, number];
  // The table ipaddr.js's range() reads (not in its type declarations).
  const table = (address as unknown as { SpecialRanges?: Record<string, Subnet | Subnet[]> }).SpecialRanges;
  const entry = table?.[name];
  if (!entry) return undefined;
  const subnets = (Array.isArray(entry[0]) ? entry : [entry]) as Subnet[];
  const subnet = subnets.find(([network, bits]) => address.kind() === network.kind() && address.match(network, bits));
  return subnet && `${subnet[0].toString()}/${subnet[1]}`;
}

function describe(
  address: ipaddr.IPv4 | ipaddr.IPv6,
  name: string,
  table: Readonly<Record<string, Omit<AddressClass, 'label'> & { what: string }>>,
): AddressClass {
  const known = table[name] ?? { refusal: 'reserved', what: `a special-purpose address (${name})` };
  const cidr = rangeOf(address, name);
  return { refusal: known.refusal, label: cidr ? `${known.what} (${cidr})` : known.what };
}

/** NAT64's well-known prefix (RFC 6052): an IPv6-only network's view of a public IPv4 address, judged by it. */
const nat64WellKnown = ipaddr.parseCIDR('64:ff9b::/96');
/** IANA gives out public IPv6 addresses from 2000::/3 only: anything else is not a service on the internet. */
const globalUnicast = ipaddr.parseCIDR('2000::/3');

function classifyIpv4(address: ipaddr.IPv4): AddressClass | undefined {
  if (metadataAddresses.has(address.toString())) return { refusal: 'metadata', label: 'the cloud metadata address' };
  const name = address.range();
  return name === 'unicast' ? undefined : describe(address, name, ipv4Classes);
}

function classifyIpv6(address: ipaddr.IPv6): AddressClass | undefined {
  if (metadataAddresses.has(address.toString())) return { refusal: 'metadata', label: 'the cloud metadata address' };
  const embedded = address.isIPv4MappedAddress()
    ? address.toIPv4Address()
    : address.match(nat64WellKnown)
      ? (ipaddr.fromByteArray(address.toByteArray().slice(12)) as ipaddr.IPv4)
      : undefined;
  if (embedded) {
    const inner = classifyIpv4(embedded);
    return inner && { ...inner, label: `${inner.label}, written as IPv6` };
  }
  const name = address.range();
  if (name !== 'unicast') return describe(address, name, ipv6Classes);
  if (!address.match(globalUnicast)) return { refusal: 'reserved', label: 'an address outside 2000::/3' };
  return undefined;
}

/**
 * What an IP address is when it is not a public unicast address; undefined for a public one (and for text that is
 * not an IP address). Brackets and a zone (`%eth0`) are ignored.
 */
export function classifyAddress(address: string): AddressClass | undefined {
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  if (isIPv4(bare)) return classifyIpv4(ipaddr.IPv4.parse(bare));
  if (!isIPv6(bare)) return undefined;
  // The URL parser writes IPv6 in plain hex: ipaddr.js reads any trailing dotted quad as IPv4-mapped.
  const normalised = new URL(`http://[${bare}]/`).hostname.slice(1, -1);
  return classifyIpv6(ipaddr.IPv6.parse(normalised));
}

function isIpLiteral(hostname: string): boolean {
  const bare = hostname.replace(/^\[|\]$/g, '');
  return isIPv4(bare) || isIPv6(bare);
}

/** `localhost` and its subdomains always name the machine itself (RFC 6761), whatever DNS says. */
function isLocalhostName(hostname: string): boolean {
  return hostname === 'localhost' || hostname.endsWith('.localhost');
}

/**
 * Checks one service URL of a tenant and returns it parsed. `field` names it in the error (`aimaira.url`).
 * Throws a `UrlPolicyError` saying why when the URL is refused.
 */
export async function checkServiceUrl(field: string, value: string, options: UrlPolicyOptions = {}): Promise<URL> {
  const allowLoopback = options.allowLoopbackHttp === true;
  const resolve = options.resolve ?? systemResolver;
  const refuse = (refusal: UrlRefusal, message: string) => new UrlPolicyError(field, refusal, message);

  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw refuse('invalid', 'is not a valid URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw refuse('scheme', `must be an https:// URL, not ${url.protocol}`);
  }
  // Credentials belong in the secret fields, where they are encrypted, not in a URL printed everywhere.
  if (url.username !== '' || url.password !== '') {
    throw refuse('credentials', 'must not hold a user name or password (give them as the tenant’s credentials)');
  }
  if (url.search !== '' || url.hash !== '') throw refuse('query', 'must not have a query or a fragment');

  const hostname = url.hostname;
  const describeHost = (address: string) =>
    isIpLiteral(hostname) ? `${hostname} is` : `${hostname} resolves to ${address}, which is`;

  let addresses: readonly string[];
  if (isIpLiteral(hostname)) addresses = [hostname.replace(/^\[|\]$/g, '')];
  else if (isLocalhostName(hostname)) addresses = ['127.0.0.1'];
  else {
    try {
      addresses = await resolve(hostname);
    } catch {
      throw refuse('unresolvable', `the host ${hostname} cannot be resolved (check the URL)`);
    }
    if (addresses.length === 0) throw refuse('unresolvable', `the host ${hostname} has no address`);
  }

  // Plain http only when every address is loopback: a name that also resolves to a public host gets https.
  let allLoopback = true;
  for (const address of addresses) {
    const range = classifyAddress(address);
    if (range?.refusal !== 'loopback') allLoopback = false;
    if (range === undefined) continue;
    if (range.refusal === 'loopback' && allowLoopback) continue;
    const hint = range.refusal === 'loopback' ? ' (allowed only for the simulators of the sandbox)' : '';
    throw refuse(range.refusal, `refused: ${describeHost(address)} ${range.label}${hint}`);
  }
  if (url.protocol === 'http:' && !(allowLoopback && allLoopback)) {
    throw refuse(
      'http',
      `must be an https:// URL (plain http:// is accepted only on loopback, for the simulators), got http://${url.host}`,
    );
  }
  return url;
}

/** Both URLs of a tenant refused: every refusal at once. */
export class UrlPolicyErrors extends ConfigError {
  override name = 'UrlPolicyErrors';
  readonly errors: readonly UrlPolicyError[];
  /** `notes` follow the refusals, e.g. how the simulators get through. */
  constructor(errors: readonly UrlPolicyError[], notes: readonly string[] = []) {
    super([...errors.flatMap((error) => error.issues), ...notes]);
    this.errors = errors;
  }
}

/** The refusals inside an error thrown by this module (none for any other error). */
export function urlRefusals(error: unknown): UrlPolicyError[] {
  if (error instanceof UrlPolicyError) return [error];
  if (error instanceof UrlPolicyErrors) return [...error.errors];
  return [];
}

/** Checks a tenant's two URLs; every refusal is reported at once. */
export async function checkTenantUrls(
  urls: { aimaira: string; edusign: string },
  options: UrlPolicyOptions = {},
  prefix = '',
): Promise<void> {
  const results = await Promise.allSettled([
    checkServiceUrl(`${prefix}aimaira.url`, urls.aimaira, options),
    checkServiceUrl(`${prefix}edusign.url`, urls.edusign, options),
  ]);
  const errors: UrlPolicyError[] = [];
  for (const result of results) {
    if (result.status === 'fulfilled') continue;
    if (!(result.reason instanceof UrlPolicyError)) throw result.reason;
    errors.push(result.reason);
  }
  const [first] = errors;
  if (first && errors.length === 1) throw first;
  if (errors.length > 0) throw new UrlPolicyErrors(errors);
}

/** The hint a refused simulator URL gets on the command line. */
export const loopbackHint = '(--allow-loopback-http accepts loopback URLs, for the simulators only)';

/**
 * The URLs of the tenants a command read from a configuration file (`sync --config`, `explain --config`), held to
 * the policy a saved tenant is held to: every refusal at once, with the loopback hint when the simulators would
 * pass with `--allow-loopback-http`.
 */
export async function checkConfiguredTenants(
  tenants: readonly { id: string; aimaira: { url: string }; edusign: { url: string } }[],
  options: UrlPolicyOptions = {},
): Promise<void> {
  const errors: UrlPolicyError[] = [];
  for (const tenant of tenants) {
    try {
      await checkTenantUrls(
        { aimaira: tenant.aimaira.url, edusign: tenant.edusign.url },
        options,
        `tenant ${tenant.id}: `,
      );
    } catch (error) {
      const refusals = urlRefusals(error);
      if (refusals.length === 0) throw error;
      errors.push(...refusals);
    }
  }
  if (errors.length === 0) return;
  const simulators = !options.allowLoopbackHttp && errors.some((e) => e.refusal === 'loopback' || e.refusal === 'http');
  throw new UrlPolicyErrors(errors, simulators ? [loopbackHint] : []);
}
