/** The service's options for people: the public URL, and the SMTP settings from the environment. */
import { afterEach, describe, expect, it } from 'vitest';

import { ConfigError } from '../errors.js';
import { mailFromEnvVar, smtpFromEnvironment, smtpUrlEnvVar } from './env.js';
import { parsePublicUrl } from './serve.js';

describe('--public-url', () => {
  it('takes an http(s) URL, without its trailing slash', () => {
    expect(parsePublicUrl('https://connector.example.fr/')).toBe('https://connector.example.fr');
    expect(parsePublicUrl('https://example.fr/connecteur/')).toBe('https://example.fr/connecteur');
  });

  it('refuses what is not one, or holds credentials, a query or a fragment', () => {
    for (const bad of [
      'connector',
      'ftp://example.fr',
      'https://u:p@example.fr',
      'https://example.fr/?a=1',
      'https://example.fr/#x',
    ]) {
      expect(() => parsePublicUrl(bad), bad).toThrow(/--public-url/);
    }
  });
});

describe('SMTP from the environment', () => {
  const saved = { url: process.env[smtpUrlEnvVar], from: process.env[mailFromEnvVar] };
  afterEach(() => {
    for (const [name, value] of [
      [smtpUrlEnvVar, saved.url],
      [mailFromEnvVar, saved.from],
    ] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  it('is nothing when the URL is unset: no e-mail goes out', () => {
    delete process.env[smtpUrlEnvVar];
    expect(smtpFromEnvironment()).toEqual({});
  });

  it('reads smtp:// with STARTTLS on 587 by default, and smtps:// with TLS on 465, user and password decoded', () => {
    process.env[mailFromEnvVar] = 'Connecteur <connecteur@example.fr>';
    process.env[smtpUrlEnvVar] = 'smtp://alerts%40example.fr:p%40ss%3Aword@mail.example.fr';
    expect(smtpFromEnvironment()).toEqual({
      smtp: {
        host: 'mail.example.fr',
        port: 587,
        secure: false,
        user: 'alerts@example.fr',
        password: 'p@ss:word',
        from: 'Connecteur <connecteur@example.fr>',
      },
    });
    process.env[smtpUrlEnvVar] = 'smtps://mail.example.fr';
    expect(smtpFromEnvironment().smtp).toMatchObject({ port: 465, secure: true });
    expect(smtpFromEnvironment().smtp).not.toHaveProperty('user');
  });

  it('says what is wrong without repeating the URL, which holds the password', () => {
    process.env[mailFromEnvVar] = 'connecteur@example.fr';
    process.env[smtpUrlEnvVar] = 'http://user:s3cret-value@mail.example.fr';
    expect(() => smtpFromEnvironment()).toThrow(ConfigError);
    try {
      smtpFromEnvironment();
    } catch (error) {
      expect(String((error as Error).message)).not.toContain('s3cret-value');
    }
    process.env[smtpUrlEnvVar] = 'smtp://mail.example.fr';
    delete process.env[mailFromEnvVar];
    expect(() => smtpFromEnvironment()).toThrow(new RegExp(mailFromEnvVar));
  });
});
