import { describe, expect, it } from 'vitest';

import { ConfigError } from '../errors.js';
import { UrlPolicyError, checkServiceUrl, checkTenantUrls, classifyAddress } from './url-policy.js';
import type { HostResolver, UrlRefusal } from './url-policy.js';

/** DNS as the tests want it: names to addresses, anything else unknown. */
function resolver(table: Record<string, readonly string[]>): HostResolver {
  return (hostname) => {
    const addresses = table[hostname];
    return addresses ? Promise.resolve(addresses) : Promise.reject(new Error(`ENOTFOUND ${hostname}`));
  };
}

const resolve = resolver({
  'graphacme.aimaira.net': ['51.15.20.30'],
  'ext.edusign.fr': ['35.180.0.1', '2a05:d012::1'],
  'internal.acme.example': ['10.1.2.3'],
  'rebind.example': ['93.184.215.14', '127.0.0.1'],
  'metadata.example': ['169.254.169.254'],
  'v6-private.example': ['fd12:3456::1'],
  'cgnat.example': ['100.100.1.1'],
  'empty.example': [],
  'loopback.example': ['127.0.0.1'],
});

async function refusal(url: string, options: { allowLoopbackHttp?: boolean } = {}): Promise<UrlRefusal | 'accepted'> {
  try {
    await checkServiceUrl('aimaira.url', url, { resolve, ...options });
    return 'accepted';
  } catch (error) {
    if (error instanceof UrlPolicyError) return error.refusal;
    throw error;
  }
}

describe('checkServiceUrl', () => {
  it.each([
    ['https://graphacme.aimaira.net/GraphV1'],
    ['https://ext.edusign.fr'],
    ['https://51.15.20.30/GraphV1'],
    ['https://[2a05:d012::1]/'],
    // NAT64 of a public address: what an IPv6-only network's DNS64 answers.
    ['https://[64:ff9b::5ab8:d70e]/'],
    ['https://graphacme.aimaira.net:8443/GraphV1'],
  ])('accepts %s', async (url) => {
    expect(await refusal(url)).toBe('accepted');
  });

  it.each<[string, UrlRefusal]>([
    ['http://graphacme.aimaira.net/GraphV1', 'http'],
    ['ftp://graphacme.aimaira.net/', 'scheme'],
    ['file:///etc/passwd', 'scheme'],
    ['gopher://graphacme.aimaira.net/', 'scheme'],
    ['not a url', 'invalid'],
    ['https://user:secret@graphacme.aimaira.net/GraphV1', 'credentials'],
    ['https://graphacme.aimaira.net/GraphV1?api_key=x', 'query'],
    ['https://10.0.0.5/', 'private'],
    ['https://172.16.0.1/', 'private'],
    ['https://172.31.255.254/', 'private'],
    ['https://192.168.1.10/', 'private'],
    ['https://100.64.0.1/', 'shared'],
    ['https://100.127.255.254/', 'shared'],
    ['https://127.0.0.1/', 'loopback'],
    ['https://localhost/', 'loopback'],
    ['https://api.localhost/', 'loopback'],
    ['https://[::1]/', 'loopback'],
    ['https://169.254.169.254/latest/meta-data', 'metadata'],
    ['https://169.254.10.1/', 'link-local'],
    ['https://[fe80::1]/', 'link-local'],
    ['https://[fc00::1]/', 'unique-local'],
    ['https://[fd00:ec2::254]/', 'metadata'],
    ['https://0.0.0.0/', 'unspecified'],
    ['https://0/', 'unspecified'],
    ['https://[::]/', 'unspecified'],
    // Numeric forms the URL parser turns into 127.0.0.1.
    ['https://2130706433/', 'loopback'],
    ['https://0x7f.1/', 'loopback'],
    ['https://017700000001/', 'loopback'],
    ['https://127.1/', 'loopback'],
    // IPv4 written as IPv6.
    ['https://[::ffff:127.0.0.1]/', 'loopback'],
    ['https://[::ffff:169.254.169.254]/', 'metadata'],
    ['https://[::ffff:a00:1]/', 'private'],
    ['https://[64:ff9b::a00:1]/', 'private'],
    ['https://[::127.0.0.1]/', 'reserved'],
    ['https://198.18.0.1/', 'reserved'],
    ['https://224.0.0.1/', 'multicast'],
    ['https://255.255.255.255/', 'reserved'],
    ['https://[ff02::1]/', 'multicast'],
    // Tunnels and relays that reach an IPv4 address of somebody's choosing.
    ['https://[2002:a00:1::1]/', 'reserved'],
    ['https://[2002:3398:d70e::1]/', 'reserved'],
    ['https://[2001::1]/', 'reserved'],
    ['https://[2001:0:4136:e378::1]/', 'reserved'],
    ['https://[64:ff9b:1::a00:1]/', 'reserved'],
    ['https://[64:ff9b:1::5ab8:d70e]/', 'reserved'],
    ['https://192.88.99.1/', 'reserved'],
    ['https://192.88.99.255/', 'reserved'],
    // Outside 2000::/3, where no public IPv6 address is given out.
    ['https://[4000::1]/', 'reserved'],
    // Names: every address they resolve to is checked.
    ['https://internal.acme.example/', 'private'],
    ['https://metadata.example/', 'metadata'],
    ['https://v6-private.example/', 'unique-local'],
    ['https://cgnat.example/', 'shared'],
    ['https://rebind.example/', 'loopback'],
    ['https://unknown.example/', 'unresolvable'],
    ['https://empty.example/', 'unresolvable'],
  ])('refuses %s (%s)', async (url, expected) => {
    expect(await refusal(url)).toBe(expected);
  });

  it('accepts loopback, over http too, only when allowed for the simulators', async () => {
    const allowed = { allowLoopbackHttp: true };
    expect(await refusal('http://127.0.0.1:4010/GraphV1', allowed)).toBe('accepted');
    expect(await refusal('http://localhost:4010/', allowed)).toBe('accepted');
    expect(await refusal('http://[::1]:4010/', allowed)).toBe('accepted');
    expect(await refusal('http://loopback.example:4010/', allowed)).toBe('accepted');
    expect(await refusal('https://127.0.0.1/', allowed)).toBe('accepted');
    expect(await refusal('http://127.0.0.1:4010/GraphV1')).toBe('loopback');
    // Allowing loopback lets nothing else through.
    expect(await refusal('http://graphacme.aimaira.net/', allowed)).toBe('http');
    expect(await refusal('http://rebind.example/', allowed)).toBe('http');
    expect(await refusal('https://10.0.0.1/', allowed)).toBe('private');
    expect(await refusal('http://169.254.169.254/', allowed)).toBe('metadata');
  });

  it('names the field and the reason, and never a password in the URL', async () => {
    const error = await checkServiceUrl('edusign.url', 'https://internal.acme.example/', { resolve }).catch(
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toBe(
      'edusign.url: refused: internal.acme.example resolves to 10.1.2.3, which is a private address (10.0.0.0/8)',
    );
    const withPassword = (await checkServiceUrl('aimaira.url', 'https://u:hunter2@10.0.0.1/', { resolve }).catch(
      (thrown: unknown) => thrown,
    )) as Error;
    expect(withPassword.message).not.toContain('hunter2');
    expect(withPassword.message).toMatch(/^aimaira\.url: /);
  });
});

describe('checkTenantUrls', () => {
  it('reports both URLs at once', async () => {
    const error = (await checkTenantUrls(
      { aimaira: 'https://10.0.0.1/GraphV1', edusign: 'https://169.254.169.254/' },
      { resolve },
    ).catch((thrown: unknown) => thrown)) as ConfigError;
    expect(error.issues).toEqual([
      'aimaira.url: refused: 10.0.0.1 is a private address (10.0.0.0/8)',
      'edusign.url: refused: 169.254.169.254 is the cloud metadata address',
    ]);
  });

  it('passes two public https URLs', async () => {
    await expect(
      checkTenantUrls(
        { aimaira: 'https://graphacme.aimaira.net/GraphV1', edusign: 'https://ext.edusign.fr' },
        { resolve },
      ),
    ).resolves.toBeUndefined();
  });
});

describe('classifyAddress', () => {
  it.each([
    ['169.254.0.0'],
    ['169.254.0.1'],
    ['169.254.127.255'],
    ['169.254.128.0'],
    ['169.254.200.7'],
    ['169.254.255.254'],
    ['169.254.255.255'],
  ])('refuses %s as link-local, both ends and the middle of 169.254.0.0/16', (address) => {
    expect(classifyAddress(address)).toEqual({
      refusal: 'link-local',
      label: 'a link-local address (169.254.0.0/16)',
    });
  });

  it('leaves the neighbours of 169.254.0.0/16 and 192.88.99.0/24 public', () => {
    expect(classifyAddress('169.253.255.255')).toBeUndefined();
    expect(classifyAddress('169.255.0.0')).toBeUndefined();
    expect(classifyAddress('192.88.98.255')).toBeUndefined();
    expect(classifyAddress('192.88.100.0')).toBeUndefined();
  });

  it('names the new ranges in its words', () => {
    expect(classifyAddress('2002:a00:1::1')?.label).toBe('a 6to4 address (2002::/16)');
    expect(classifyAddress('2001::1')?.label).toBe('a Teredo address (2001::/32)');
    expect(classifyAddress('64:ff9b:1::a00:1')?.label).toBe('a local-use NAT64 address (64:ff9b:1::/48)');
    expect(classifyAddress('192.88.99.1')?.label).toBe('a reserved address (192.88.99.0/24)');
    expect(classifyAddress('::ffff:192.88.99.1')?.label).toBe('a reserved address (192.88.99.0/24), written as IPv6');
  });

  it('reads an IPv4-compatible address as such, not as IPv4-mapped', () => {
    expect(classifyAddress('::127.0.0.1')).toEqual({
      refusal: 'reserved',
      label: 'an address outside 2000::/3',
    });
    expect(classifyAddress('::ffff:127.0.0.1')?.refusal).toBe('loopback');
  });

  it('leaves public addresses alone and names the others', () => {
    expect(classifyAddress('8.8.8.8')).toBeUndefined();
    expect(classifyAddress('172.32.0.1')).toBeUndefined();
    expect(classifyAddress('100.128.0.1')).toBeUndefined();
    expect(classifyAddress('2606:4700::1111')).toBeUndefined();
    expect(classifyAddress('172.15.255.255')).toBeUndefined();
    expect(classifyAddress('[::ffff:7f00:1]')?.refusal).toBe('loopback');
    expect(classifyAddress('::ffff:8.8.8.8')).toBeUndefined();
    expect(classifyAddress('fe80::1%eth0')?.refusal).toBe('link-local');
    expect(classifyAddress('not an address')).toBeUndefined();
  });
});
