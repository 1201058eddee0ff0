/**
 * "Why doesn't my sheet come down?": one session explained from live data. Aimaira is read as a downward run reads
 * it (the window, plus this session in detail), the same rules and the same plan are applied, and the answer is
 * returned as plain data for `explain` and the dashboard to show. Nothing is written anywhere.
 *
 * The answer names people by kind and Aimaira id only: never a learner's name or e-mail.
 */
import type { AimairaClient } from '../../aimaira/client.js';
import type { TenantConfig } from '../../config/config.js';
import { describeReason } from '../../domain/reasons.js';
import type { ReasonCode } from '../../domain/reasons.js';
import { recordKinds } from '../../domain/types.js';
import type { RecordKind, SessionType } from '../../domain/types.js';
import type { EdusignClient } from '../../edusign/client.js';
import type { Link, LinkOrigin, StateStore } from '../../store/port.js';
import { findExistingRecords } from './lookup.js';
import type { Matches } from './lookup.js';
import { planDown, readSheetLinkData } from './plan.js';
import type { SheetOperation } from './plan.js';
import type { PersonKind, SyncWindow } from './rules.js';
import { absentSessions, loadLinks, observeTenant } from './run.js';

export interface ExplainOptions {
  tenant: TenantConfig;
  aimaira: AimairaClient;
  edusign: EdusignClient;
  store: StateStore;
  /** The sync instant the question is asked for. */
  now: Date;
  /** The Aimaira `Planification` id. */
  sessionId: number;
}

/** A reason code with its plain-words explanation. */
export interface ExplainedReason {
  code: ReasonCode;
  description: string;
}

/** A person the sheet goes without: kind and Aimaira id, never a name or an e-mail. */
export interface ExplainedPerson {
  kind: PersonKind;
  aimairaId: number;
  reason: ReasonCode;
  description: string;
  /** What is wrong with the person's record, e.g. "malformed e-mail". */
  problems: string[];
  /** Tutors only: the learners of this session the tutor follows (they come down without the tutor). */
  learnerIds?: number[];
}

export interface ExplainedSession {
  name: string;
  type: SessionType;
  /** ISO instants. */
  start: string;
  end: string;
  cancelled: boolean;
  /** When the session was created in Aimaira (ISO instant), when known. */
  createdAt: string | null;
  /** The brand (`Ecole`) of its programme, if any. */
  brandId: number | null;
  rooms: string[];
  /** As listed in Aimaira. */
  listed: { facilitators: number; learners: number; groups: number };
  /** What the sheet would carry: valid facilitators (at most 3) and valid learners. */
  kept: { facilitators: number; learners: number; defaultProfessor: boolean };
}

/** The sheet on Edusign, as the connector's link knows it and as Edusign shows it now. */
export interface ExplainedSheet {
  sheetId: string;
  /** Whether the connector keeps a link to it (a sheet found only by its API_ID is not linked yet). */
  linked: boolean;
  origin: LinkOrigin | null;
  /** When the connector last wrote it (the link's `updatedAt`), null when not linked. */
  lastWrittenAt: string | null;
  /** The name and start last written (from the link), null when not linked. */
  writtenName: string | null;
  writtenStart: string | null;
  /** The last write is known to be incomplete (its roster is corrected at the next run). */
  incomplete: boolean;
  /** What Edusign answers now. */
  state: 'present' | 'missing';
  locked: boolean;
  /** Someone signed already. */
  signed: boolean;
}

export type NextSyncAction = 'create' | 'recover' | 'update' | 'delete' | 'keep' | 'nothing';

export interface NextSync {
  /** What the plan of the next sync does with this session's sheet. */
  action: NextSyncAction;
  /** Why, for a deletion or a sheet kept although the session does not come down. */
  reason: ExplainedReason | null;
  /** For an update: what differs from what was last written. */
  changes: { fields: boolean; groups: boolean; roster: boolean } | null;
  /** The planned write will not happen because the sheet on Edusign is locked or signed (the sheet stays). */
  blockedBy: ExplainedReason | null;
}

interface ExplanationBase {
  tenantId: string;
  sessionId: number;
  /** The sync instant (ISO). */
  now: string;
  window: SyncWindow;
  /** The sheet on Edusign for this session, if any. */
  edusign: ExplainedSheet | null;
  nextSync: NextSync;
}

export interface FoundExplanation extends ExplanationBase {
  found: true;
  session: ExplainedSession;
  /** Whether the session is in the window (starts after the sync instant and before the horizon's end). */
  inWindow: boolean;
  eligible: boolean;
  /** Every rule that keeps the session from coming down, in the help article's order. */
  exclusions: ExplainedReason[];
  leftOut: ExplainedPerson[];
  warnings: ExplainedReason[];
}

export interface NotFoundExplanation extends ExplanationBase {
  /** Aimaira has no `Planification` with this id. */
  found: false;
}

export type SessionExplanation = FoundExplanation | NotFoundExplanation;

const explained = (code: ReasonCode): ExplainedReason => ({ code, description: describeReason(code) });

const emptyMatches = (): Matches => Object.fromEntries(recordKinds.map((kind) => [kind, new Map()])) as Matches;

/** Explains one session: eligibility, every exclusion, people left out, the sheet on Edusign, the next sync. */
export async function explainSession(options: ExplainOptions): Promise<SessionExplanation> {
  const { tenant, store, edusign, now, sessionId } = options;
  const links = await loadLinks(store, tenant.id);
  const { evaluation, snapshot } = await observeTenant(options, links, [sessionId]);
  const verdict = evaluation.verdicts.find((v) => v.session.aimairaId === sessionId);
  const link = links.sheet.get(sessionId);
  const desiredSheet = evaluation.desired.sheets.find((sheet) => sheet.aimairaId === sessionId);

  // The same plan as a run, with Edusign looked up only for this session's sheet: the other records' operations
  // are not part of the answer, and a look-up per record would cost the tenant's request budget for nothing.
  const matches = emptyMatches();
  if (desiredSheet && !link) {
    const found = await findExistingRecords(edusign, {
      facilitators: [],
      tutors: [],
      learners: [],
      groups: [],
      sheets: [desiredSheet],
      linkCounts: Object.fromEntries(recordKinds.map((kind) => [kind, links[kind].size])) as Record<RecordKind, number>,
      window: evaluation.window,
    });
    matches.sheet = found.sheet;
  }
  const plan = planDown({ evaluation, links, matches, absentSessions: absentSessions(evaluation, links, now), now });
  const operation = plan.sheets.find(
    (op) => (op.op === 'delete' || op.op === 'keep' ? op.aimairaId : op.sheet.aimairaId) === sessionId,
  );

  const sheetId = link?.edusignId ?? (operation?.op === 'recover' ? operation.edusignId : undefined);
  const edusignSheet = sheetId === undefined ? null : await describeSheet(edusign, sheetId, link);
  const about = { tenantId: tenant.id, sessionId, now: now.toISOString(), window: evaluation.window };
  const onEdusign = { edusign: edusignSheet, nextSync: nextSync(operation, edusignSheet) };
  if (!verdict) return { found: false, ...about, ...onEdusign };

  const { session } = verdict;
  const keptLearners = new Set(verdict.learnerIds);
  const tutors: ExplainedPerson[] = evaluation.leftOutTutors.flatMap((tutor) => {
    const learnerIds = session.learnerIds.filter(
      (id) => keptLearners.has(id) && (snapshot.tutorsByLearner.get(id) ?? []).includes(tutor.aimairaId),
    );
    return learnerIds.length > 0 ? [{ ...person(tutor), learnerIds }] : [];
  });
  const start = Date.parse(session.start);
  return {
    found: true,
    ...about,
    session: {
      name: session.name,
      type: session.type,
      start: session.start,
      end: session.end,
      cancelled: session.cancelled,
      createdAt: session.createdAt ?? null,
      brandId: session.brandId ?? null,
      rooms: [...session.rooms],
      listed: {
        facilitators: session.facilitatorIds.length,
        learners: session.learnerIds.length,
        groups: session.groupIds.length,
      },
      kept: {
        facilitators: verdict.facilitatorIds.length,
        learners: verdict.learnerIds.length,
        defaultProfessor: verdict.defaultProfessorId !== undefined,
      },
    },
    inWindow: start > Date.parse(evaluation.window.start) && start < Date.parse(evaluation.window.end),
    eligible: verdict.eligible,
    exclusions: verdict.exclusions.map(explained),
    leftOut: [...verdict.leftOut.map(person), ...tutors],
    warnings: verdict.warnings.map(explained),
    ...onEdusign,
  };
}

function person(out: { kind: PersonKind; aimairaId: number; reason: ReasonCode; problems: string[] }): ExplainedPerson {
  return {
    kind: out.kind,
    aimairaId: out.aimairaId,
    reason: out.reason,
    description: describeReason(out.reason),
    problems: [...out.problems],
  };
}

async function describeSheet(edusign: EdusignClient, sheetId: string, link: Link | undefined): Promise<ExplainedSheet> {
  const course = await edusign.courses.get(sheetId);
  const written = link ? readSheetLinkData(link) : undefined;
  return {
    sheetId,
    linked: link !== undefined,
    origin: link?.origin ?? null,
    lastWrittenAt: link?.updatedAt ?? null,
    writtenName: written?.name || null,
    writtenStart: written?.start || null,
    incomplete: link !== undefined && link.hash === null,
    state: course ? 'present' : 'missing',
    locked: course?.LOCKED ?? false,
    signed: course?.STUDENTS.some((row) => row.state) ?? false,
  };
}

function nextSync(operation: SheetOperation | undefined, sheet: ExplainedSheet | null): NextSync {
  const none = { reason: null, changes: null, blockedBy: null };
  if (!operation) return { action: 'nothing', ...none };
  // What `apply` does when it meets a locked or signed sheet: leave it as it is.
  const lockedOrSigned = sheet?.locked ? explained('LOCKED') : sheet?.signed ? explained('SIGNED') : null;
  switch (operation.op) {
    case 'create':
      return { action: 'create', ...none };
    case 'recover':
      return { action: 'recover', ...none, reason: explained('RECOVERED_BY_API_ID') };
    case 'update': {
      const written = new Set(operation.previousLearnerIds);
      const roster =
        written.size !== operation.sheet.learnerIds.length || operation.sheet.learnerIds.some((id) => !written.has(id));
      return {
        action: 'update',
        ...none,
        changes: { fields: operation.fieldsChanged, groups: operation.groupsChanged, roster },
        blockedBy: sheet?.locked ? explained('LOCKED') : null,
      };
    }
    case 'delete':
      return { action: 'delete', ...none, reason: explained(operation.reason), blockedBy: lockedOrSigned };
    case 'keep':
      return { action: 'keep', ...none, reason: explained(operation.reason) };
  }
}
