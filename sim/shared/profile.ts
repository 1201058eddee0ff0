/**
 * How the simulators behave where the real services may differ from the contract's first reading.
 *
 * - `default`: the contract's plainest reading where the public sources leave it open (`in` filters, the `Object`
 *   collection, `$expand=Mail` on every person, not-found as a business error...), and the public sources'
 *   reading where they settle it (professors' `HIDDEN` a list of school ids, `ID` and `id`...): what most tests
 *   and the sandbox run against.
 * - `harsh`: every behaviour that public clients of both APIs show or that no document rules out, at once
 *   (docs/contracts/*.md, "Harsh profile"). The end-to-end suites run against both.
 */
export const simProfiles = ['default', 'harsh'] as const;
export type SimProfile = (typeof simProfiles)[number];

export function isSimProfile(value: unknown): value is SimProfile {
  return typeof value === 'string' && (simProfiles as readonly string[]).includes(value);
}
