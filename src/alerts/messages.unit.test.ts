import { describe, expect, it } from 'vitest';

import { alertMessage, tenantPageUrl } from './messages.js';

const at = '2026-11-28T10:00:00.000Z';

describe('the words of an alert', () => {
  it('a pause in French names the tenant, says what happened and links to its page', () => {
    const message = alertMessage(
      { kind: 'paused', tenantId: 'acme', at, detail: 'Edusign does not answer' },
      'fr',
      'https://connector.example/base',
    );
    expect(message.subject).toBe('[Aimaira ↔ Edusign] le tenant acme est en pause');
    expect(message.text).toContain('Le tenant acme est en pause');
    expect(message.text).toContain('Détail : Edusign does not answer');
    expect(message.text).toContain('https://connector.example/base/tenants/acme');
  });

  it('attention in English lists each reason code with its words', () => {
    const message = alertMessage(
      { kind: 'attention', tenantId: 'acme', at, reasons: ['DEFAULT_PROFESSOR_MISSING', 'INVALID_FACILITATOR'] },
      'en',
    );
    expect(message.subject).toContain('sheets left out need a person');
    expect(message.text).toContain('- INVALID_FACILITATOR: No facilitator of the session has a first name');
    expect(message.text).toContain('- DEFAULT_PROFESSOR_MISSING: ');
    expect(message.text).not.toContain('http');
  });

  it('recovered says what was left behind', () => {
    expect(alertMessage({ kind: 'recovered', from: 'paused', tenantId: 'acme', at }, 'en').text).toContain(
      'Its pause was lifted',
    );
    expect(alertMessage({ kind: 'recovered', from: 'failing', tenantId: 'acme', at }, 'fr').text).toContain(
      'a réussi après des échecs',
    );
  });

  it('every kind has words in both languages', () => {
    for (const kind of ['failing', 'paused', 'recovered', 'attention'] as const) {
      for (const lang of ['fr', 'en'] as const) {
        const message = alertMessage({ kind, tenantId: 't1', at }, lang);
        expect(message.subject).toContain('t1');
        expect(message.text).toContain('t1');
      }
    }
  });

  it('a tenant id is escaped in its page URL', () => {
    expect(tenantPageUrl('https://c.example/', 'a b')).toBe('https://c.example/tenants/a%20b');
  });
});
