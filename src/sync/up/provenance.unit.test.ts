import { describe, expect, it } from 'vitest';

import { chooseProvenance, describeRefusedProvenance } from './provenance.js';

const enumeration = { kind: 'enum', members: ['None', 'Badge', 'Salle', 'Edusign'] } as const;
const withoutEdusign = { kind: 'enum', members: ['None', 'Badge', 'Salle'] } as const;

describe('chooseProvenance', () => {
  it('writes nothing (each row keeps its value) when the tenant names no value, whatever $metadata says', () => {
    expect(chooseProvenance(null, enumeration)).toEqual({ value: null });
    expect(chooseProvenance(null, undefined)).toEqual({ value: null });
  });

  it('writes the tenant’s value when $metadata lists it', () => {
    expect(chooseProvenance('Edusign', enumeration)).toEqual({ value: 'Edusign' });
  });

  it('writes the member’s own spelling when the tenant’s value differs only in case', () => {
    expect(chooseProvenance('badge', enumeration)).toEqual({ value: 'Badge' });
  });

  it('keeps each row’s value and says why when $metadata does not list the tenant’s value', () => {
    expect(chooseProvenance('Edusign', withoutEdusign)).toEqual({
      value: null,
      refused: { option: 'Edusign', members: ['None', 'Badge', 'Salle'] },
    });
  });

  it('writes the tenant’s value when $metadata says the field is text', () => {
    expect(chooseProvenance('Edusign', { kind: 'text' })).toEqual({ value: 'Edusign' });
  });

  it('keeps each row’s value, with a warning, when $metadata could not be read to check the tenant’s value', () => {
    expect(chooseProvenance('Edusign', undefined)).toEqual({
      value: null,
      refused: { option: 'Edusign', members: undefined },
    });
    expect(describeRefusedProvenance({ option: 'Edusign', members: undefined })).toMatch(
      /"Edusign".*could not be read.*keeps/,
    );
  });
});

describe('describeRefusedProvenance', () => {
  it('names the option, its value and the values Aimaira lists', () => {
    expect(describeRefusedProvenance({ option: 'Edusign', members: ['None', 'Badge'] })).toMatch(
      /provenancePresence option is "Edusign".*"None", "Badge".*keeps/,
    );
  });
});
