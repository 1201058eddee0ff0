/**
 * The URL policy at the moment a connection is made: the host of every request both API clients send is resolved
 * here, every address it resolves to is classified as the policy classifies a tenant's URL (src/service/url-policy.ts),
 * and the socket is opened to the very address that was checked. A name that resolved to a public address when
 * the tenant was saved and resolves to 10.0.0.1 or 169.254.169.254 now (DNS rebinding) is refused before any
 * socket opens.
 *
 * The guard is an undici `Agent` whose `connect` step does the look-up itself and hands an IP address to the
 * real connector. It is used with undici's own `fetch` (see src/http/transport.ts): Node's built-in fetch is
 * another undici build, whose dispatcher interface differs between majors.
 */
import { isIP } from 'node:net';

import { Agent, buildConnector } from 'undici';

import { ConnectorError } from '../errors.js';
import type { RequestContext } from '../errors.js';
import { classifyAddress, systemResolver } from '../service/url-policy.js';
import type { AddressClass, HostResolver } from '../service/url-policy.js';

export interface ConnectGuardOptions {
  /** Let loopback addresses through: the simulators of the sandbox and the tests. */
  allowLoopback: boolean;
  /** DNS look-up; the system resolver by default (tests inject their own). */
  resolve?: HostResolver;
  /** Opens the socket to the checked address; undici's own connector by default (tests inject their own). */
  connect?: buildConnector.connector;
}

/** What a refused connection was to, and why. */
export interface AddressRefusal {
  /** The host as the URL names it. */
  host: string;
  /** The refused address it is, or resolves to. */
  address: string;
  refusal: AddressClass['refusal'];
  label: string;
}

/** A connection the URL policy refuses; no socket was opened. Never retried. */
export class AddressRefusedError extends ConnectorError {
  override name = 'AddressRefusedError';
  readonly host: string;
  readonly address: string;
  readonly refusal: AddressClass['refusal'];
  readonly label: string;
  readonly system: RequestContext['system'] | undefined;
  readonly url: string | undefined;
  constructor(refusal: AddressRefusal, context?: RequestContext) {
    const what =
      refusal.host === refusal.address
        ? `${refusal.host} is ${refusal.label}`
        : `${refusal.host} resolves to ${refusal.address}, which is ${refusal.label}`;
    const where = context ? `${context.system} ${context.method} ${context.url}: ` : '';
    super(`${where}connection refused by the URL policy: ${what}`);
    this.host = refusal.host;
    this.address = refusal.address;
    this.refusal = refusal.refusal;
    this.label = refusal.label;
    this.system = context?.system;
    this.url = context?.url;
  }

  /** The same refusal, told in the words of the request it stopped. */
  inRequest(context: RequestContext): AddressRefusedError {
    return new AddressRefusedError(
      { host: this.host, address: this.address, refusal: this.refusal, label: this.label },
      context,
    );
  }
}

/** `localhost` and its subdomains always name the machine itself (RFC 6761), whatever DNS says. */
function isLocalhostName(hostname: string): boolean {
  return hostname === 'localhost' || hostname.endsWith('.localhost');
}

/**
 * The addresses to connect to for `hostname`, IPv4 first, once every one it resolves to has passed the policy (as
 * when a tenant is saved: a name that also resolves to a private address is refused).
 */
export async function checkedAddresses(hostname: string, options: ConnectGuardOptions): Promise<string[]> {
  const bare = hostname.replace(/^\[|\]$/g, '');
  const addresses =
    isIP(bare) !== 0
      ? [bare]
      : isLocalhostName(bare.toLowerCase())
        ? ['127.0.0.1']
        : await (options.resolve ?? systemResolver)(bare);
  if (addresses.length === 0) throw new Error(`${bare} has no address`);
  for (const address of addresses) {
    const found = classifyAddress(address);
    if (found === undefined || (found.refusal === 'loopback' && options.allowLoopback)) continue;
    throw new AddressRefusedError({ host: bare, address, refusal: found.refusal, label: found.label });
  }
  // A name with an IPv6 address the network cannot route still connects over IPv4, as Node's own connect would.
  return [...addresses.filter((address) => isIP(address) === 4), ...addresses.filter((address) => isIP(address) !== 4)];
}

/** undici's connect step with the policy in front of it; the checked addresses are tried in turn. */
export function guardedConnector(options: ConnectGuardOptions): buildConnector.connector {
  const connect = options.connect ?? buildConnector({});
  return (connectOptions, callback) => {
    const name = connectOptions.hostname.replace(/^\[|\]$/g, '');
    // TLS still verifies the certificate against the name of the URL, not the address.
    const servername = isIP(name) === 0 ? { servername: connectOptions.servername || name } : {};
    const attempt = (addresses: readonly string[], index: number): void => {
      connect({ ...connectOptions, ...servername, hostname: addresses[index] ?? name }, (error, socket) => {
        if (error !== null && index + 1 < addresses.length) attempt(addresses, index + 1);
        else if (error !== null) callback(error, null);
        else callback(null, socket);
      });
    };
    checkedAddresses(name, options).then(
      (addresses) => attempt(addresses, 0),
      (error: unknown) => callback(error instanceof Error ? error : new Error(String(error)), null),
    );
  };
}

/** A connection pool whose every connection passes the policy. */
export function createGuardedAgent(options: ConnectGuardOptions): Agent {
  return new Agent({ connect: guardedConnector(options) });
}

const sharedAgents = new Map<boolean, Agent>();

/** The process's guarded pool with the system resolver, one with loopback allowed and one without. */
export function sharedGuardedAgent(allowLoopback: boolean): Agent {
  let agent = sharedAgents.get(allowLoopback);
  if (!agent) {
    agent = createGuardedAgent({ allowLoopback });
    sharedAgents.set(allowLoopback, agent);
  }
  return agent;
}
