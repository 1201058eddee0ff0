import { describe, expect, it } from 'vitest';

import { TenantOptions } from '../config/config.js';
import { reasonCodes } from '../domain/reasons.js';
import type { ReasonCode } from '../domain/reasons.js';
import { recordKinds } from '../domain/types.js';
import { eventActions, eventLevels, runStatuses } from '../store/port.js';
import { kindLabel, labels, langs, optionTexts, reasonText, statusLabel, termKeys, translator } from './i18n.js';

const placeholders = (text: string) => [...text.matchAll(/\{([a-zA-Z]+)\}/g)].map((match) => match[1]).sort();

describe('labels', () => {
  it('exist in French and English for every key, with the same placeholders', () => {
    const keys = Object.keys(labels.en);
    expect(Object.keys(labels.fr).sort()).toEqual([...keys].sort());
    for (const key of keys as (keyof typeof labels.en)[]) {
      for (const lang of langs) expect(labels[lang][key].trim(), `${lang}.${key}`).not.toBe('');
      expect(placeholders(labels.fr[key]), key).toEqual(placeholders(labels.en[key]));
    }
  });

  it('are French by translation, not copies of the English (but for names and codes)', () => {
    const same = Object.keys(labels.en).filter(
      (key) => labels.fr[key as keyof typeof labels.en] === labels.en[key as keyof typeof labels.en],
    );
    expect(same.sort()).toEqual(['langEn', 'langFr', 'optionsTitle', 'pages'].sort());
  });

  it('fill their placeholders', () => {
    expect(translator('fr')('syncBusy', { reason: 'déjà en cours' })).toBe(
      'Aucune synchronisation lancée : déjà en cours',
    );
    expect(translator('en')('pageOf', { page: 2, pages: 3 })).toBe('Page 2 of 3');
    expect(translator('en')('pageOf')).toBe('Page {page} of {pages}');
  });
});

describe('words of the domain', () => {
  it('name every status, level, action and record kind in both languages', () => {
    const needed = ['healthy', 'partial', 'failing', 'paused', 'new', ...runStatuses, ...eventLevels, ...eventActions];
    for (const lang of langs) {
      const t = translator(lang);
      for (const term of needed) expect(termKeys, term).toContain(term);
      for (const term of termKeys) expect(statusLabel(term, t), `${lang}.${term}`).not.toBe('');
      for (const kind of recordKinds) {
        expect(kindLabel(kind, t, 1)).not.toBe(kind === 'sheet' && lang === 'en' ? '' : kind.toUpperCase());
        expect(kindLabel(kind, t)).not.toBe('');
      }
    }
    expect(kindLabel('learner', translator('fr'), 1)).toBe('apprenant');
    expect(kindLabel('learner', translator('fr'))).toBe('apprenants');
  });

  it('explain every reason code in French, and in English with the code’s own description', () => {
    for (const code of Object.keys(reasonCodes) as ReasonCode[]) {
      expect(reasonText(code, 'en')).toBe(reasonCodes[code]);
      const french = reasonText(code, 'fr');
      expect(french, code).not.toBe('');
      expect(french, code).not.toBe(reasonCodes[code]);
    }
  });
});

describe('options', () => {
  it('have a label and an explanation for every option of a tenant, in both languages', () => {
    const names = Object.keys(TenantOptions.shape).sort();
    for (const lang of langs) {
      expect(Object.keys(optionTexts[lang]).sort()).toEqual(names);
      for (const name of names as (keyof TenantOptions)[]) {
        expect(optionTexts[lang][name].label.length, `${lang}.${name}`).toBeGreaterThan(5);
        expect(optionTexts[lang][name].help.length, `${lang}.${name}`).toBeGreaterThan(40);
      }
    }
    for (const name of names as (keyof TenantOptions)[]) {
      expect(optionTexts.fr[name].help).not.toBe(optionTexts.en[name].help);
    }
  });
});
