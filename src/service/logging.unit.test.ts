import { Writable } from 'node:stream';

import { describe, expect, it } from 'vitest';

import { createLogScrubber, createServiceLogger, runLogger, tenantLogger } from './logging.js';

/** A logger writing into an array of parsed lines, and the raw text. */
function capture() {
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString('utf8'));
      done();
    },
  });
  const log = createServiceLogger({ destination, level: 'debug' });
  return {
    log,
    text: () => chunks.join(''),
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

const canaries = {
  password: 'canary-Pa55word-7f3a',
  aimairaKey: 'canary-aimaira-key-91bd',
  edusignKey: 'canary-edusign-key-c0de',
  registered: 'canary-runtime-secret-42xy',
};
const emails = ['jeanne.martin@example.fr', 'Paul.DURAND+bts@ecole-exemple.com', 'marie@@ecole.fr', 'jean.dupont@'];

describe('service logs', () => {
  it('are JSON lines with the level as a word, a time, and the bindings of tenant and run', () => {
    const { log, lines } = capture();
    const tenant = tenantLogger(log.logger, 'acme');
    runLogger(tenant, { direction: 'down', runId: 12 }).info({ counts: { 'sheet.created': 3 } }, 'down run success');
    const [line] = lines();
    expect(line).toMatchObject({
      level: 'info',
      service: 'aimaira-edusign',
      tenant: 'acme',
      direction: 'down',
      runId: 12,
      counts: { 'sheet.created': 3 },
      msg: 'down run success',
    });
    expect(typeof line?.['time']).toBe('string');
  });

  it('never write a secret or an e-mail address, whatever field, message, error or binding carries it', () => {
    const { log, text, lines } = capture();
    log.registerSecret(canaries.registered);
    const { logger } = log;
    // By path: the known fields, at the top and nested.
    logger.info({ password: canaries.password, apiKey: canaries.aimairaKey }, 'top-level fields');
    logger.info({ tenant: { aimaira: { password: canaries.password, apiKey: canaries.aimairaKey } } }, 'nested');
    logger.info({ request: { headers: { authorization: `Bearer ${canaries.edusignKey}` } } }, 'headers');
    logger.info({ learner: { EMAIL: emails[0], email: emails[1] } }, 'a learner');
    logger.info({ a: { b: { c: { d: { Password: canaries.password, token: canaries.edusignKey } } } } }, 'deep');
    // By value: in messages, interpolated arguments, any field name, arrays, errors, bindings.
    logger.info(`learner ${emails[0]} left out`);
    logger.info('learner %s and %s left out', emails[1], emails[2]);
    logger.info({ note: `malformed address ${emails[3]} in Aimaira` }, 'odd address');
    logger.info({ list: [emails[0], { who: emails[1] }] }, 'a list');
    logger.warn({ detail: `Edusign answered with key ${canaries.registered}` }, `retrying ${canaries.registered}`);
    const error = new Error(`Edusign refused ${emails[0]} (key ${canaries.registered})`);
    logger.error({ err: error }, 'a write failed');
    logger.error(error);
    logger.error({ failure: new TypeError(`bad ${emails[1]}`) }, 'under another key');
    logger.child({ apiKey: canaries.edusignKey, contact: emails[2] }).info('child bindings');
    log.registerSecret(canaries.aimairaKey);
    logger.info(`late registration ${canaries.aimairaKey}`);

    const output = text();
    for (const secret of Object.values(canaries)) expect(output).not.toContain(secret);
    for (const email of emails) expect(output).not.toContain(email);
    expect(output).not.toMatch(/[\w.+-]+@[\w-]+\.[a-z]{2,}/i);
    // What is left is still useful: the messages and the shape of what was logged.
    const all = lines();
    expect(all).toHaveLength(15);
    expect(all.map((line) => line['msg'])).toContain('learner [email] left out');
    expect(all.map((line) => line['msg'])).toContain('learner [email] and [email] left out');
    const failed = all.find((line) => line['msg'] === 'a write failed');
    expect(failed?.['err']).toMatchObject({ type: 'Error', message: 'Edusign refused [email] (key [secret])' });
    expect(all.find((line) => line['msg'] === 'under another key')?.['failure']).toMatchObject({
      message: 'bad [email]',
    });
  });

  it('leave the logged objects themselves untouched', () => {
    const { log } = capture();
    const tenant = { id: 'acme', aimaira: { password: canaries.password }, contact: emails[0] };
    const error = new Error(`about ${emails[0]}`);
    log.logger.info({ tenant, err: error }, 'configuration');
    expect(tenant.aimaira.password).toBe(canaries.password);
    expect(tenant.contact).toBe(emails[0]);
    expect(error.message).toBe(`about ${emails[0]}`);
  });
});

describe('log scrubber', () => {
  it('replaces a secret whole even when it holds another or an @, and ignores secrets too short to be any', () => {
    const scrubber = createLogScrubber();
    scrubber.registerSecret('abc');
    scrubber.registerSecret('key-123');
    scrubber.registerSecret('key-123-extended');
    scrubber.registerSecret('DEMO\\api@aimaira.fr:s3cret');
    scrubber.registerSecret(undefined);
    expect(scrubber.scrubText('abc key-123 key-123-extended')).toBe('abc [secret] [secret]');
    expect(scrubber.scrubText('basic DEMO\\api@aimaira.fr:s3cret here')).toBe('basic [secret] here');
    expect(scrubber.scrubText('regex chars .*+? stay')).toBe('regex chars .*+? stay');
  });

  it('survives cycles and very deep objects', () => {
    const scrubber = createLogScrubber();
    const cyclic: Record<string, unknown> = { email: 'x@y.fr' };
    cyclic['self'] = cyclic;
    const copy = scrubber.scrubValue(cyclic) as Record<string, unknown>;
    expect(copy['email']).toBe('[redacted]');
    expect(copy['self']).toBe(copy);
    let deep: Record<string, unknown> = { leaf: 'a@b.fr' };
    for (let level = 0; level < 20; level++) deep = { next: deep };
    expect(JSON.stringify(scrubber.scrubValue(deep))).not.toContain('a@b.fr');
  });
});
