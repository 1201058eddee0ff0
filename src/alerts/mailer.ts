/**
 * E-mail through the service's SMTP server (nodemailer). The SMTP settings are the operator's, not a tenant's, so
 * the tenant URL policy does not apply; the settings are checked with zod when the service starts, and every
 * step of a send has a timeout, so a dead SMTP server cannot hold an alert (and the run after it) for minutes.
 * An error never carries an address: nodemailer's messages quote recipients, so they are scrubbed.
 */
import nodemailer from 'nodemailer';
import { z } from 'zod';

import { createLogScrubber } from '../service/logging.js';

export const smtpSettingsSchema = z
  .object({
    host: z.string().trim().min(1),
    port: z.number().int().min(1).max(65_535),
    /** TLS from the first byte (port 465); otherwise STARTTLS when the server offers it. */
    secure: z.boolean(),
    user: z.string().min(1).optional(),
    password: z.string().min(1).optional(),
    /** `alerts@example.org` or `Connector <alerts@example.org>`. */
    from: z.string().trim().min(3).includes('@'),
    /** Milliseconds for each of connecting, the greeting and any silence on the socket. */
    timeoutMs: z.number().int().positive().max(120_000).optional(),
  })
  .strict()
  .refine((settings) => (settings.user === undefined) === (settings.password === undefined), {
    message: 'user and password go together',
    path: ['password'],
  });

export type SmtpSettings = z.input<typeof smtpSettingsSchema>;

export const defaultSmtpTimeoutMs = 15_000;

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
}

export interface Mailer {
  send(message: MailMessage): Promise<void>;
  /** Closes pooled connections (none by default: one connection per message). */
  close(): void;
}

/** Sending failed; the message says why, without any address. */
export class MailSendError extends Error {
  override name = 'MailSendError';
}

const mailMessageSchema = z.object({
  to: z.email(),
  subject: z.string().min(1).max(500),
  text: z.string(),
});

export function createMailer(settings: SmtpSettings): Mailer {
  const valid = smtpSettingsSchema.parse(settings);
  const timeoutMs = valid.timeoutMs ?? defaultSmtpTimeoutMs;
  const transport = nodemailer.createTransport({
    host: valid.host,
    port: valid.port,
    secure: valid.secure,
    ...(valid.user !== undefined &&
      valid.password !== undefined && { auth: { user: valid.user, pass: valid.password } }),
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
    dnsTimeout: timeoutMs,
  });
  const scrubber = createLogScrubber();
  if (valid.password !== undefined) scrubber.registerSecret(valid.password);
  return {
    async send(message) {
      const { to, subject, text } = mailMessageSchema.parse(message);
      try {
        await transport.sendMail({ from: valid.from, to, subject, text });
      } catch (error) {
        const why = error instanceof Error ? error.message : String(error);
        throw new MailSendError(`the alert e-mail could not be sent: ${scrubber.scrubText(why)}`);
      }
    },
    close() {
      transport.close();
    },
  };
}
