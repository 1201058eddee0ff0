/**
 * The simulator's in-memory Aimaira database: one map id -> entity per set, and the `Object` metadata record every
 * entity has (creation, change and deletion dates), as `/Object/{id}` shows them.
 *
 * Records are stored frozen in their wire form (date-times as Europe/Paris strings with offset), so reads hand them
 * out without copying. Ids are unique across all sets, like Aimaira's object ids. Lookups by id and by integer
 * foreign keys go through indexes, built on first use and kept up to date on every write: the connector asks for
 * `PlanificationId in (...)` over tens of thousands of rows.
 */
import { aimairaTableNames, entityFields, entitySetNames, makeRecord, navigations } from './entities.js';
import type { EntitySetName, FieldKind } from './entities.js';
import { ParisDateTimes, edmTypeOf, parseDateTimeOffset } from './odata.js';
import type { EntityRecord } from './odata.js';

/** Seed data per entity set; records may be partial (missing fields take their empty value). */
export type AimairaDataset = Partial<Record<EntitySetName, Record<string, unknown>[]>>;

export interface AimairaStoreOptions {
  data?: AimairaDataset;
  /** The clock for `Object.DateCreation` / `DateModification` / `DateSuppression`. */
  now?: () => Date;
}

/** The entity does not exist in its set. */
export class EntityNotFoundError extends Error {
  override readonly name = 'EntityNotFoundError';
  readonly set: EntitySetName;
  readonly id: number;

  constructor(set: EntitySetName, id: number) {
    super(`No ${set} with Id ${id}`);
    this.set = set;
    this.id = id;
  }
}

/** A value does not fit its field (type, unknown field, date-time without offset, id clash). */
export class InvalidEntityError extends Error {
  override readonly name = 'InvalidEntityError';
  readonly field: string | undefined;

  constructor(message: string, field?: string) {
    super(message);
    this.field = field;
  }
}

interface Table {
  records: Map<number, EntityRecord>;
  /** Ids in ascending order; null when a write broke the order and it must be rebuilt. */
  sortedIds: number[] | null;
  /** The records in Id order, rebuilt after any write to the set. */
  sortedRecords: readonly EntityRecord[] | null;
  /** field -> value -> ids, for integer fields that were queried with eq/in. */
  indexes: Map<string, Map<unknown, Set<number>>>;
}

/** What a write did to one entity (its `Object` metadata is not reported on its own). */
export type StoreChangeKind = 'created' | 'modified' | 'deleted';

export interface StoreChange {
  set: EntitySetName;
  id: number;
  kind: StoreChangeKind;
}

export type StoreChangeListener = (change: StoreChange) => void;

export class AimairaStore {
  private readonly tables = new Map<EntitySetName, Table>();
  /** Which set owns each id (Object records share the id of their entity and are not listed here). */
  private readonly owners = new Map<number, EntitySetName>();
  private readonly paris = new ParisDateTimes();
  private readonly parisForms = new Map<string, string>();
  private readonly now: () => Date;
  private nextId = 1;
  private readonly listeners = new Set<StoreChangeListener>();

  constructor(options: AimairaStoreOptions = {}) {
    this.now = options.now ?? (() => new Date());
    for (const set of entitySetNames) {
      this.tables.set(set, { records: new Map(), sortedIds: [], sortedRecords: null, indexes: new Map() });
    }
    const data = options.data ?? {};
    for (const records of Object.values(data)) {
      for (const record of records ?? []) {
        const id = record['Id'];
        if (typeof id === 'number' && Number.isSafeInteger(id)) this.nextId = Math.max(this.nextId, id + 1);
      }
    }
    // Seeded metadata first, so an entity inserted afterwards keeps its seeded dates instead of fresh ones.
    for (const record of data.Object ?? []) this.insert('Object', record);
    for (const set of entitySetNames) {
      if (set === 'Object') continue;
      for (const record of data[set] ?? []) this.insert(set, record);
    }
  }

  /**
   * Calls `listener` after every later write to an entity (not the seeding), once per entity changed: a deletion
   * that takes rows with it reports each row. Returns the unsubscribe function.
   */
  onChange(listener: StoreChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Every entity of the set, in Id order. The array is a snapshot: later writes build a new one. */
  list(set: EntitySetName): readonly EntityRecord[] {
    const table = this.table(set);
    if (table.sortedRecords === null) {
      table.sortedIds ??= [...table.records.keys()].sort((a, b) => a - b);
      table.sortedRecords = table.sortedIds.map((id) => table.records.get(id) as EntityRecord);
    }
    return table.sortedRecords;
  }

  get(set: EntitySetName, id: number): EntityRecord | undefined {
    return this.table(set).records.get(id);
  }

  /**
   * The entities of `set` whose integer `field` holds one of `values`, in Id order, through an index on that field.
   */
  where(set: EntitySetName, field: string, values: readonly number[]): EntityRecord[] {
    const table = this.table(set);
    const ids = new Set<number>();
    if (field === 'Id') {
      for (const value of values) if (table.records.has(value)) ids.add(value);
    } else {
      const index = this.index(table, field);
      for (const value of values) for (const id of index.get(value) ?? []) ids.add(id);
    }
    return [...ids].sort((a, b) => a - b).map((id) => table.records.get(id) as EntityRecord);
  }

  /** How many entities `where` would give, without building the list (duplicated values counted twice). */
  countWhere(set: EntitySetName, field: string, values: readonly number[]): number {
    const table = this.table(set);
    if (field === 'Id') return values.filter((value) => table.records.has(value)).length;
    const index = this.index(table, field);
    return values.reduce((sum, value) => sum + (index.get(value)?.size ?? 0), 0);
  }

  /**
   * Adds an entity. `values` may be partial; the Id is taken from it or assigned above every id in use. An `Object`
   * metadata record with the same Id is created unless one exists. Date-times may be strings with offset or `Date`s.
   */
  insert(set: EntitySetName, values: Record<string, unknown>): EntityRecord {
    const fields = this.normalise(set, values);
    const given = fields['Id'];
    const id = typeof given === 'number' && given !== 0 ? given : this.nextId;
    const table = this.table(set);
    if (set === 'Object') {
      if (table.records.has(id)) throw new InvalidEntityError(`Object ${id} already exists`, 'Id');
    } else {
      const owner = this.owners.get(id);
      if (owner !== undefined) {
        throw new InvalidEntityError(
          `Id ${id} is already taken by ${owner} ${id} (ids are unique across all sets)`,
          'Id',
        );
      }
      this.owners.set(id, set);
    }
    this.nextId = Math.max(this.nextId, id + 1);
    fields['Id'] = id;
    const record = Object.freeze(
      makeRecord(set, set === 'Object' ? { ...this.metadataDefaults(fields), ...fields } : fields),
    );
    this.write(set, id, record);
    if (set !== 'Object') {
      const metadata = this.table('Object').records.get(id);
      // Seeded metadata may leave the type out: it is known only now.
      if (metadata === undefined || metadata['Type'] === '') {
        const base = metadata ?? this.metadataDefaults({});
        this.write('Object', id, Object.freeze(makeRecord('Object', { ...base, Id: id, Type: legacyTypes[set] })));
      }
      this.emit({ set, id, kind: 'created' });
    }
    return record;
  }

  /**
   * PUT semantics: the entity becomes exactly `body`, every field not sent taking its empty value. The Id comes
   * from `id` (an Id in the body is checked for type, then ignored); keys with `@` are annotations and ignored.
   */
  replace(set: EntitySetName, id: number, body: Record<string, unknown>): EntityRecord {
    this.require(set, id);
    const fields = this.normalise(set, body);
    const record = Object.freeze(makeRecord(set, { ...fields, Id: id }));
    this.write(set, id, record);
    this.touch(set, id);
    if (set !== 'Object') this.emit({ set, id, kind: 'modified' });
    return record;
  }

  /** A person editing some fields in Aimaira's UI (for tests: the API itself has no partial update). */
  patch(set: EntitySetName, id: number, changes: Record<string, unknown>): EntityRecord {
    const existing = this.require(set, id);
    const fields = this.normalise(set, changes);
    const record = Object.freeze(makeRecord(set, { ...existing, ...fields, Id: id }));
    this.write(set, id, record);
    this.touch(set, id);
    if (set !== 'Object') this.emit({ set, id, kind: 'modified' });
    return record;
  }

  /**
   * A deletion in Aimaira: the entity leaves its set and its `Object` becomes inactive with a deletion date. The
   * rows of its collection navigations go with it (a deleted Planification takes its PlanificationRessource rows).
   */
  remove(set: EntitySetName, id: number): void {
    const existing = this.require(set, id);
    for (const navigation of Object.values(navigations[set] ?? {})) {
      if (navigation.kind !== 'many') continue;
      for (const child of this.where(navigation.target, navigation.foreignKey, [id])) {
        this.remove(navigation.target, child['Id'] as number);
      }
    }
    const table = this.table(set);
    table.records.delete(id);
    table.sortedIds = null;
    table.sortedRecords = null;
    for (const [field, index] of table.indexes) index.get(existing[field])?.delete(id);
    if (set === 'Object') return;
    this.owners.delete(id);
    const metadata = this.table('Object').records.get(id);
    if (metadata !== undefined) {
      const stamp = this.stamp();
      const deleted = { ...metadata, Actif: false, DateSuppression: stamp, DateModification: stamp };
      this.write('Object', id, Object.freeze(deleted));
    }
    this.emit({ set, id, kind: 'deleted' });
  }

  /** A listener's failure is its own: the write has happened and the others still hear of it. */
  private emit(change: StoreChange): void {
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch {
        // ignored on purpose
      }
    }
  }

  /** A live entity created now, or when its seeded creation date says. */
  private metadataDefaults(fields: Record<string, unknown>): Record<string, unknown> {
    const created = fields['DateCreation'] ?? this.stamp();
    return { DateCreation: created, DateModification: created, DateSuppression: null, Actif: true };
  }

  private require(set: EntitySetName, id: number): EntityRecord {
    const record = this.get(set, id);
    if (record === undefined) throw new EntityNotFoundError(set, id);
    return record;
  }

  private table(set: EntitySetName): Table {
    const table = this.tables.get(set);
    if (table === undefined) throw new Error(`unknown entity set ${set}`);
    return table;
  }

  /** Puts `record` under `id`, keeping the id order and the built indexes right. */
  private write(set: EntitySetName, id: number, record: EntityRecord): void {
    const table = this.table(set);
    const previous = table.records.get(id);
    table.records.set(id, record);
    table.sortedRecords = null;
    if (previous === undefined && table.sortedIds !== null) {
      const last = table.sortedIds[table.sortedIds.length - 1];
      if (last === undefined || last < id) table.sortedIds.push(id);
      else table.sortedIds = null;
    }
    for (const [field, index] of table.indexes) {
      const before = previous?.[field];
      const after = record[field];
      if (previous !== undefined && before === after) continue;
      if (previous !== undefined) index.get(before)?.delete(id);
      addToIndex(index, after, id);
    }
  }

  private index(table: Table, field: string): Map<unknown, Set<number>> {
    let index = table.indexes.get(field);
    if (index === undefined) {
      index = new Map();
      for (const [id, record] of table.records) addToIndex(index, record[field], id);
      table.indexes.set(field, index);
    }
    return index;
  }

  /** Records a change in the entity's metadata. */
  private touch(set: EntitySetName, id: number): void {
    if (set === 'Object') return;
    const metadata = this.table('Object').records.get(id);
    if (metadata !== undefined) {
      this.write('Object', id, Object.freeze({ ...metadata, DateModification: this.stamp() }));
    }
  }

  private stamp(): string {
    return this.paris.format(this.now().getTime());
  }

  /** Date-times in their Paris form, remembered: a seed repeats the same few thousand instants many times. */
  private parisForm(set: EntitySetName, field: string, text: string): string {
    const known = this.parisForms.get(text);
    if (known !== undefined) return known;
    const parsed = parseDateTimeOffset(text);
    if ('problem' in parsed) {
      throw new InvalidEntityError(`Invalid value for ${set}.${field} (Edm.DateTimeOffset): ${parsed.problem}`, field);
    }
    const form = this.paris.format(parsed.instant);
    if (this.parisForms.size >= 100_000) this.parisForms.clear();
    this.parisForms.set(text, form);
    return form;
  }

  /** Checks each sent value against its field's kind and brings date-times to their Paris form. */
  private normalise(set: EntitySetName, values: Record<string, unknown>): Record<string, unknown> {
    if (typeof values !== 'object' || values === null || Array.isArray(values)) {
      throw new InvalidEntityError(`A ${set} must be a JSON object`);
    }
    const fields: Record<string, unknown> = {};
    const unknown: string[] = [];
    for (const field in values) {
      // `@odata.context`, `Field@odata.type`...: annotations, not data.
      if (!Object.hasOwn(values, field) || field.includes('@')) continue;
      const value = values[field];
      const kind = fieldKinds.get(set)?.get(field);
      if (kind === undefined) {
        unknown.push(field);
        continue;
      }
      fields[field] = this.normaliseValue(set, field, kind, value);
    }
    if (unknown.length > 0) {
      const names = unknown.map((name) => `'${name}'`).join(', ');
      throw new InvalidEntityError(`${set} has no field ${names}`, unknown[0]);
    }
    return fields;
  }

  private normaliseValue(set: EntitySetName, field: string, kind: FieldKind, value: unknown): unknown {
    switch (kind) {
      case 'int':
        if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
        throw invalidValue(set, field, kind, value, 'an integer');
      case 'decimal':
        if (typeof value === 'number' && Number.isFinite(value)) return value;
        throw invalidValue(set, field, kind, value, 'a number');
      case 'string':
        if (typeof value === 'string') return value;
        throw invalidValue(set, field, kind, value, 'a string');
      case 'bool':
        if (typeof value === 'boolean') return value;
        throw invalidValue(set, field, kind, value, 'true or false');
      case 'datetime':
        if (value === null) return null;
        if (typeof value === 'string') return this.parisForm(set, field, value);
        if (value instanceof Date && !Number.isNaN(value.getTime())) return this.paris.format(value.getTime());
        throw invalidValue(set, field, kind, value, 'an ISO 8601 date-time with offset, or null');
      case 'json':
        // A copy, so the caller's object and the stored one never change each other.
        if (value === null || typeof value !== 'object') return value ?? null;
        return JSON.parse(JSON.stringify(value)) as unknown;
    }
  }
}

export function createAimairaStore(options: AimairaStoreOptions = {}): AimairaStore {
  return new AimairaStore(options);
}

function addToIndex(index: Map<unknown, Set<number>>, value: unknown, id: number): void {
  let ids = index.get(value);
  if (ids === undefined) {
    ids = new Set();
    index.set(value, ids);
  }
  ids.add(id);
}

function invalidValue(set: EntitySetName, field: string, kind: FieldKind, value: unknown, expected: string) {
  const message = `Invalid value for ${set}.${field} (${edmTypeOf(kind)}): expected ${expected}, got ${describeValue(value)}`;
  return new InvalidEntityError(message, field);
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') {
    return `the string ${JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value)}`;
  }
  if (typeof value === 'number' || typeof value === 'boolean') return `${typeof value} ${value}`;
  return typeof value === 'object' ? 'an object' : typeof value;
}

/**
 * The legacy type name `Object.Type` shows (`myapp.TS_ENTITE_JURIDIQUE` in the docs), the same as a webhook's
 * `ObjectType`. The real names of these sets are not public; the simulator's own are in `aimairaTableNames`.
 */
export function legacyTypeOf(set: EntitySetName): string {
  return aimairaTableNames[set];
}

/** Field kinds by name, per set: the lookup every written value goes through. */
const fieldKinds = new Map<EntitySetName, ReadonlyMap<string, FieldKind>>(
  entitySetNames.map((set) => [set, new Map<string, FieldKind>(Object.entries(entityFields[set]))]),
);

const legacyTypes: Record<EntitySetName, string> = aimairaTableNames;
