/**
 * What the connector reads from Aimaira's `$metadata` (a CSDL document in XML): the type of
 * `PlanificationRessource.ProvenancePresence`, plain text or an enumeration with its members.
 *
 * No XML library: the document is only scanned for start tags (`EntityType`, `Property`, `EnumType`, `Member`) and
 * their attributes, which is all that is needed and leaves nothing to expand (no DTD, no entities beyond the five
 * predefined ones, no external references). A document that does not look like CSDL gives `undefined`.
 */

/** The type of `ProvenancePresence`: an enumeration (an unknown member is refused by the server), or text. */
export type ProvenancePresenceType = { kind: 'enum'; members: string[] } | { kind: 'text' };

/** What the connector needs from `$metadata`. */
export interface AimairaMetadata {
  /** `undefined` when the document does not declare the property (or gives it a type the connector cannot use). */
  provenancePresence: ProvenancePresenceType | undefined;
}

/** Longest document scanned; a real GraphV1 `$metadata` is a few hundred kilobytes. */
const maxDocumentLength = 20 * 1024 * 1024;

interface Tag {
  /** Local name, without any namespace prefix. */
  name: string;
  attributes: Record<string, string>;
  /** True for `<X/>`. */
  selfClosing: boolean;
  closing: boolean;
}

const tagPattern =
  /<(\/?)(?:[A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)((?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>/g;
const attributePattern = /([^\s=/>]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;

function decodeEntities(text: string): string {
  return text.replace(/&(lt|gt|quot|apos|amp|#\d+|#x[0-9a-fA-F]+);/g, (whole, name: string) => {
    switch (name) {
      case 'lt':
        return '<';
      case 'gt':
        return '>';
      case 'quot':
        return '"';
      case 'apos':
        return "'";
      case 'amp':
        return '&';
      default: {
        const code = name.startsWith('#x') ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
        return Number.isInteger(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
      }
    }
  });
}

function* tags(xml: string): Generator<Tag> {
  // Comments and CDATA sections may hold text that looks like tags.
  const text = xml.replace(/<!--[\s\S]*?-->/g, '').replace(/<!\[CDATA\[[\s\S]*?\]\]>/g, '');
  for (const match of text.matchAll(tagPattern)) {
    const attributes: Record<string, string> = {};
    for (const attribute of (match[3] ?? '').matchAll(attributePattern)) {
      const key = (attribute[1] ?? '').replace(/^[\w.-]+:/, '');
      attributes[key] = decodeEntities(attribute[2] ?? attribute[3] ?? '');
    }
    yield { name: match[2] ?? '', attributes, selfClosing: match[4] === '/', closing: match[1] === '/' };
  }
}

interface EntityTypeInfo {
  baseType: string | undefined;
  properties: Map<string, string>;
}

/** The last segment of a qualified name (`GraphV1.Base` -> `Base`): namespaces and aliases both resolve to it. */
const localName = (qualified: string): string => qualified.slice(qualified.lastIndexOf('.') + 1);

/**
 * Reads the type of `PlanificationRessource.ProvenancePresence` out of a `$metadata` document, following
 * `BaseType` when the property is inherited. `undefined` when the text is not a CSDL document.
 */
export function parseMetadata(xml: string): AimairaMetadata | undefined {
  if (xml.length > maxDocumentLength || !/<(?:[\w.-]+:)?Edmx\b/.test(xml)) return undefined;
  const entityTypes = new Map<string, EntityTypeInfo>();
  const enumTypes = new Map<string, string[]>();
  let entity: EntityTypeInfo | undefined;
  let enumMembers: string[] | undefined;
  for (const tag of tags(xml)) {
    if (tag.closing) {
      if (tag.name === 'EntityType' || tag.name === 'ComplexType') entity = undefined;
      if (tag.name === 'EnumType') enumMembers = undefined;
      continue;
    }
    const name = tag.attributes['Name'];
    if (tag.name === 'EntityType' || tag.name === 'ComplexType') {
      const info: EntityTypeInfo = { baseType: tag.attributes['BaseType'], properties: new Map() };
      if (name !== undefined && tag.name === 'EntityType') entityTypes.set(name, info);
      entity = tag.selfClosing ? undefined : info;
    } else if (tag.name === 'Property' && entity !== undefined && name !== undefined) {
      entity.properties.set(name, tag.attributes['Type'] ?? '');
    } else if (tag.name === 'EnumType' && name !== undefined) {
      const members: string[] = [];
      enumTypes.set(name, members);
      enumMembers = tag.selfClosing ? undefined : members;
    } else if (tag.name === 'Member' && enumMembers !== undefined && name !== undefined) {
      enumMembers.push(name);
    }
  }

  const typeOf = (entityName: string, property: string): string | undefined => {
    const seen = new Set<string>();
    for (let current = entityTypes.get(entityName); current !== undefined;) {
      const type = current.properties.get(property);
      if (type !== undefined) return type;
      if (current.baseType === undefined) return undefined;
      const base = localName(current.baseType);
      if (seen.has(base)) return undefined;
      seen.add(base);
      current = entityTypes.get(base);
    }
    return undefined;
  };

  const type = typeOf('PlanificationRessource', 'ProvenancePresence');
  let provenancePresence: ProvenancePresenceType | undefined;
  if (type === 'Edm.String') {
    provenancePresence = { kind: 'text' };
  } else if (type !== undefined && !type.startsWith('Edm.')) {
    const members = enumTypes.get(localName(type));
    if (members !== undefined) provenancePresence = { kind: 'enum', members: [...members] };
  }
  return { provenancePresence };
}
