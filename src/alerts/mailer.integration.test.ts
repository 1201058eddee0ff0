/** The mailer against a local SMTP server (test/smtp-server.ts): loopback only. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startSmtpServer } from '../../test/smtp-server.js';
import type { LocalSmtpServer } from '../../test/smtp-server.js';
import { MailSendError, createMailer, smtpSettingsSchema } from './mailer.js';

let smtp: LocalSmtpServer;
beforeAll(async () => {
  smtp = await startSmtpServer();
});
afterAll(() => smtp.close());

describe('the alert mailer', () => {
  it('sends a plain-text message, French accents included, from the configured sender', async () => {
    const mailer = createMailer({
      host: smtp.host,
      port: smtp.port,
      secure: false,
      from: 'Connecteur <alerts@example.org>',
    });
    await mailer.send({
      to: 'manager@example.org',
      subject: 'Le tenant est en échec',
      text: 'Détail : ça ne répond pas',
    });
    const mail = await smtp.waitFor((m) => m.envelope.to.includes('manager@example.org'));
    expect(mail.envelope.from).toBe('alerts@example.org');
    expect(mail.subject).toBe('Le tenant est en échec');
    expect(mail.to).toBe('manager@example.org');
    expect(mail.text.trim()).toBe('Détail : ça ne répond pas');
    mailer.close();
  });

  it('settings are checked: a user needs a password, a port is a port', () => {
    expect(smtpSettingsSchema.safeParse({ host: 'h', port: 25, secure: false, from: 'a@b.c', user: 'u' }).success).toBe(
      false,
    );
    expect(smtpSettingsSchema.safeParse({ host: 'h', port: 0, secure: false, from: 'a@b.c' }).success).toBe(false);
  });

  it('a server that does not answer is an error without the address, within the timeout', async () => {
    // A closed port on loopback: refused at once.
    const closed = await startSmtpServer();
    const port = closed.port;
    await closed.close();
    const mailer = createMailer({
      host: '127.0.0.1',
      port,
      secure: false,
      from: 'alerts@example.org',
      timeoutMs: 2_000,
    });
    const error = await mailer
      .send({ to: 'secret.person@example.org', subject: 's', text: 't' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MailSendError);
    expect(String(error)).not.toContain('secret.person');
  });
});
