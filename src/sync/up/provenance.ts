/**
 * Which `ProvenancePresence` an upward run writes. Aimaira's examples all show `None`; the field is an enumeration
 * whose members are not published, and a value outside them may be refused. So by default the connector writes
 * nothing there (each row keeps its value), and a value named by the tenant (`provenancePresence`) is written only
 * when `$metadata` lists it or declares the field plain text. When `$metadata` cannot be read, the value cannot be
 * checked: writing it anyway could have every row of every sheet refused (400) on a server where the field is an
 * enumeration, so each row keeps its own, with the same warning.
 */

/** What `$metadata` says of `PlanificationRessource.ProvenancePresence`; undefined when it could not be read. */
export type ProvenanceField = { kind: 'enum'; members: readonly string[] } | { kind: 'text' } | undefined;

export interface ProvenanceChoice {
  /** The value to write; null: each row keeps its own. */
  value: string | null;
  /**
   * Set when the tenant's value is not used: not a member (`members` lists them), or not checkable (`members`
   * undefined: `$metadata` could not be read). The run records one warning.
   */
  refused?: { option: string; members: readonly string[] | undefined };
}

export function chooseProvenance(option: string | null, field: ProvenanceField): ProvenanceChoice {
  if (option === null) return { value: null };
  if (field === undefined) return { value: null, refused: { option, members: undefined } };
  if (field.kind === 'text') return { value: option };
  if (field.members.includes(option)) return { value: option };
  // Members are names: a different case is the same member to a person, and the member's own spelling is sent.
  const member = field.members.find((name) => name.toLowerCase() === option.toLowerCase());
  if (member !== undefined) return { value: member };
  return { value: null, refused: { option, members: field.members } };
}

/** The warning recorded once per run when the tenant's value is refused. */
export function describeRefusedProvenance(refused: NonNullable<ProvenanceChoice['refused']>): string {
  if (refused.members === undefined) {
    return `the provenancePresence option is "${refused.option}", but Aimaira's $metadata could not be read to check that ProvenancePresence takes it: each row keeps the ProvenancePresence it has`;
  }
  const members = refused.members.length > 0 ? refused.members.map((m) => `"${m}"`).join(', ') : 'none';
  return `the provenancePresence option is "${refused.option}", which is not a value Aimaira lists for ProvenancePresence (it lists ${members}): each row keeps the ProvenancePresence it has`;
}
