/**
 * Which `ProvenancePresence` an upward run writes. Aimaira's examples all show `None`; the field is an enumeration
 * whose members are not published, and a value outside them may be refused. So by default the connector writes
 * nothing there (each row keeps its value), and a value named by the tenant (`provenancePresence`) is written only
 * when `$metadata` lists it, or when `$metadata` does not say (unreadable, or the field is plain text).
 */

/** What `$metadata` says of `PlanificationRessource.ProvenancePresence`; undefined when it could not be read. */
export type ProvenanceField = { kind: 'enum'; members: readonly string[] } | { kind: 'text' } | undefined;

export interface ProvenanceChoice {
  /** The value to write; null: each row keeps its own. */
  value: string | null;
  /** Set when the tenant's value is not a member: the run records one warning naming them. */
  refused?: { option: string; members: readonly string[] };
}

export function chooseProvenance(option: string | null, field: ProvenanceField): ProvenanceChoice {
  if (option === null) return { value: null };
  if (field?.kind !== 'enum') return { value: option };
  if (field.members.includes(option)) return { value: option };
  // Members are names: a different case is the same member to a person, and the member's own spelling is sent.
  const member = field.members.find((name) => name.toLowerCase() === option.toLowerCase());
  if (member !== undefined) return { value: member };
  return { value: null, refused: { option, members: field.members } };
}

/** The warning recorded once per run when the tenant's value is refused. */
export function describeRefusedProvenance(refused: NonNullable<ProvenanceChoice['refused']>): string {
  const members = refused.members.length > 0 ? refused.members.map((m) => `"${m}"`).join(', ') : 'none';
  return `the provenancePresence option is "${refused.option}", which is not a value Aimaira lists for ProvenancePresence (it lists ${members}): each row keeps the ProvenancePresence it has`;
}
