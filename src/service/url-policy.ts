/**
 * Which addresses a tenant's Aimaira and Edusign URLs may point at. The connector calls these URLs with the
 * tenant's credentials from inside the operator's network, so a URL typed by a tenant must not reach a host of
 * that network (a database, a cloud metadata service, the dashboard itself): https to a public address only.
 *
 * The host is checked as written (after the WHATWG URL parser has normalised numeric forms such as `2130706433`
 * or `0x7f.1` to `127.0.0.1`) and, when it is a name, every address it resolves to. Plain http and loopback are
 * accepted only when the service allows them explicitly, for the simulators of the sandbox and the tests.
 *
 * The check runs when a tenant is saved and again before each run; it cannot see an address a name resolves to
 * later (DNS rebinding between the check and the connection), which would need a check at connect time.
 */
import { lookup } from 'node:dns/promises';
import { BlockList, isIPv4, isIPv6 } from 'node:net';

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

/** Address classes that are never a tenant's service, with the words used to explain the refusal. */
interface Range {
  readonly refusal: Exclude<UrlRefusal, 'invalid' | 'scheme' | 'http' | 'credentials' | 'query' | 'unresolvable'>;
  readonly network: string;
  readonly prefix: number;
  readonly family: 'ipv4' | 'ipv6';
  readonly label: string;
}

const v4 = (refusal: Range['refusal'], cidr: string, label: string): Range => {
  const [network = '', prefix = '32'] = cidr.split('/');
  return { refusal, network, prefix: Number(prefix), family: 'ipv4', label };
};
const v6 = (refusal: Range['refusal'], cidr: string, label: string): Range => {
  const [network = '', prefix = '128'] = cidr.split('/');
  return { refusal, network, prefix: Number(prefix), family: 'ipv6', label };
};

/** Most specific first: the first range that holds an address names it. */
const ranges: readonly Range[] = [
  v4('metadata', '169.254.169.254/32', 'the cloud metadata address'),
  v4('unspecified', '0.0.0.0/8', 'the "this network" range 0.0.0.0/8'),
  v4('loopback', '127.0.0.0/8', 'a loopback address (127.0.0.0/8)'),
  v4('private', '10.0.0.0/8', 'a private address (10.0.0.0/8)'),
  v4('private', '172.16.0.0/12', 'a private address (172.16.0.0/12)'),
  v4('private', '192.168.0.0/16', 'a private address (192.168.0.0/16)'),
  v4('shared', '100.64.0.0/10', 'a carrier-grade NAT address (100.64.0.0/10)'),
  v4('link-local', '169.254.0.0/16', 'a link-local address (169.254.0.0/16)'),
  v4('reserved', '192.0.0.0/24', 'an IETF protocol address (192.0.0.0/24)'),
  v4('reserved', '192.0.2.0/24', 'a documentation address (192.0.2.0/24)'),
  v4('reserved', '198.18.0.0/15', 'a benchmarking address (198.18.0.0/15)'),
  v4('reserved', '198.51.100.0/24', 'a documentation address (198.51.100.0/24)'),
  v4('reserved', '203.0.113.0/24', 'a documentation address (203.0.113.0/24)'),
  v4('multicast', '224.0.0.0/4', 'a multicast address (224.0.0.0/4)'),
  v4('reserved', '240.0.0.0/4', 'a reserved address (240.0.0.0/4, broadcast included)'),
  v6('metadata', 'fd00:ec2::254/128', 'the cloud metadata address'),
  v6('unspecified', '::/128', 'the unspecified address ::'),
  v6('loopback', '::1/128', 'the loopback address ::1'),
  // IPv4-compatible addresses (deprecated) would embed any IPv4 address: none is a service.
  v6('reserved', '::/96', 'an IPv4-compatible IPv6 address (::/96)'),
  v6('link-local', 'fe80::/10', 'a link-local address (fe80::/10)'),
  v6('private', 'fec0::/10', 'a site-local address (fec0::/10)'),
  v6('unique-local', 'fc00::/7', 'a unique-local address (fc00::/7)'),
  v6('multicast', 'ff00::/8', 'a multicast address (ff00::/8)'),
  v6('reserved', '2001:db8::/32', 'a documentation address (2001:db8::/32)'),
  v6('reserved', '100::/64', 'a discard-only address (100::/64)'),
];

const blockLists = ranges.map((range) => {
  const list = new BlockList();
  list.addSubnet(range.network, range.prefix, range.family);
  return list;
});

/** An IPv6 address as 16 bytes; undefined when it is not one. */
function ipv6Bytes(address: string): Uint8Array | undefined {
  if (!isIPv6(address)) return undefined;
  let text = address;
  const bytes = new Uint8Array(16);
  // A trailing dotted quad (`::ffff:1.2.3.4`) becomes two groups.
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted?.[1]) {
    const [a = 0, b = 0, c = 0, d = 0] = dotted[1].split('.').map(Number);
    text = `${text.slice(0, -dotted[1].length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = [
    ...headGroups,
    ...new Array<string>(8 - headGroups.length - tailGroups.length).fill('0'),
    ...tailGroups,
  ];
  groups.forEach((group, index) => {
    const value = parseInt(group, 16);
    bytes[index * 2] = value >> 8;
    bytes[index * 2 + 1] = value & 0xff;
  });
  return bytes;
}

/** The IPv4 address inside an IPv4-mapped (`::ffff:0:0/96`) or NAT64 (`64:ff9b::/96`) IPv6 address. */
function embeddedIpv4(address: string): string | undefined {
  const bytes = ipv6Bytes(address);
  if (!bytes) return undefined;
  const prefix = Array.from(bytes.subarray(0, 12));
  const mapped = prefix.every((byte, index) => (index < 10 ? byte === 0 : byte === 0xff));
  const nat64 = [0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0].every((byte, index) => prefix[index] === byte);
  if (!mapped && !nat64) return undefined;
  return Array.from(bytes.subarray(12)).join('.');
}

/** The range an IP address belongs to when it is not a public unicast address; undefined for a public one. */
export function classifyAddress(address: string): Range | undefined {
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const inner = isIPv6(bare) ? embeddedIpv4(bare) : undefined;
  if (inner !== undefined) {
    const range = classifyAddress(inner);
    return range && { ...range, label: `${range.label}, written as IPv6` };
  }
  const family = isIPv4(bare) ? 'ipv4' : isIPv6(bare) ? 'ipv6' : undefined;
  if (family === undefined) return undefined;
  const index = ranges.findIndex((range, i) => range.family === family && blockLists[i]?.check(bare, family));
  return ranges[index];
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
  constructor(errors: readonly UrlPolicyError[]) {
    super(errors.flatMap((error) => error.issues));
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
