import { describe, expect, it } from 'vitest';

import { parseMetadata } from './metadata.js';

const edmx = (schema: string) =>
  `<?xml version="1.0" encoding="utf-8"?>
<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx">
  <edmx:DataServices>
    <Schema Namespace="GraphV1" Alias="G" xmlns="http://docs.oasis-open.org/odata/ns/edm">${schema}</Schema>
  </edmx:DataServices>
</edmx:Edmx>`;

describe('parseMetadata', () => {
  it('reads ProvenancePresence as text when it is Edm.String', () => {
    const xml = edmx(`
      <EntityType Name="PlanificationRessource">
        <Property Name="Presence" Type="Edm.Boolean" Nullable="false"/>
        <Property Name="ProvenancePresence" Type="Edm.String"/>
      </EntityType>`);
    expect(parseMetadata(xml)).toEqual({ provenancePresence: { kind: 'text' } });
  });

  it('reads the members of its enumeration, named by namespace or alias, inherited through BaseType', () => {
    const xml = edmx(`
      <EnumType Name="Provenance" UnderlyingType="Edm.Int32">
        <Member Name="None" Value="0"/>
        <!-- <Member Name="Commented" Value="9"/> -->
        <Member Name="Badge" Value="1" />
        <Member Name='Salle' Value='2'></Member>
      </EnumType>
      <EntityType Name="RessourceBase" Abstract="true">
        <Property Name="ProvenancePresence" Type="G.Provenance" Nullable="false"/>
      </EntityType>
      <EntityType Name="PlanificationRessource" BaseType="GraphV1.RessourceBase">
        <Property Name="Presence" Type="Edm.Boolean"/>
      </EntityType>`);
    expect(parseMetadata(xml)).toEqual({ provenancePresence: { kind: 'enum', members: ['None', 'Badge', 'Salle'] } });
  });

  it('decodes entities in names, and says nothing of a property it does not find or cannot type', () => {
    const members = edmx(`
      <EnumType Name="P"><Member Name="Caf&#233;"/><Member Name="A&amp;B"/></EnumType>
      <EntityType Name="PlanificationRessource"><Property Name="ProvenancePresence" Type="GraphV1.P"/></EntityType>`);
    expect(parseMetadata(members)?.provenancePresence).toEqual({ kind: 'enum', members: ['Café', 'A&B'] });
    expect(parseMetadata(edmx('<EntityType Name="Planification"/>'))).toEqual({ provenancePresence: undefined });
    const number = edmx(
      '<EntityType Name="PlanificationRessource"><Property Name="ProvenancePresence" Type="Edm.Int32"/></EntityType>',
    );
    expect(parseMetadata(number)).toEqual({ provenancePresence: undefined });
  });

  it('does not loop on a BaseType cycle', () => {
    const xml = edmx(`
      <EntityType Name="A" BaseType="GraphV1.PlanificationRessource"/>
      <EntityType Name="PlanificationRessource" BaseType="GraphV1.A"><Property Name="Presence" Type="Edm.Boolean"/></EntityType>`);
    expect(parseMetadata(xml)).toEqual({ provenancePresence: undefined });
  });

  it('answers undefined for what is not a CSDL document', () => {
    expect(parseMetadata('<!DOCTYPE html><html><body>Sign in</body></html>')).toBeUndefined();
    expect(parseMetadata('{"error":{"code":"","message":"x"}}')).toBeUndefined();
  });
});
