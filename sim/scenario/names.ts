/**
 * Word lists for the scenario generator: French people, schools, programmes, places and companies.
 *
 * The lists lean on what breaks naive code: accents (Anaïs, Lefèvre), compound first names (Jean-Baptiste),
 * double-barrelled and particle surnames (Martin-Durand, de La Fontaine), apostrophes (N'Diaye) and letters
 * outside Latin-1 (Öztürk, Trần). Companies, schools and programmes are fictional or generic.
 */

export const femaleFirstNames: readonly string[] = [
  'Anaïs',
  'Zoé',
  'Maëlys',
  'Noémie',
  'Ségolène',
  'Marie-Hélène',
  'Chloé',
  'Léa',
  'Manon',
  'Camille',
  'Inès',
  'Jade',
  'Louise',
  'Emma',
  'Lina',
  'Élodie',
  'Hélène',
  'Clémence',
  'Océane',
  'Margaux',
  'Maëlle',
  'Héloïse',
  'Béatrice',
  'Aurélie',
  'Cécile',
  'Mélanie',
  'Amélie',
  'Gaëlle',
  'Joséphine',
  'Anne-Sophie',
  'Marie-Ève',
  'Lou-Anne',
  'Maïwenn',
  'Solène',
  'Éloïse',
  'Capucine',
  'Perrine',
  'Françoise',
  'Sarah',
  'Yasmine',
  'Fatoumata',
  'Aïcha',
  'Awa',
  'Nour',
  'Sofia',
  'Alice',
  'Juliette',
  'Romane',
  'Axelle',
  'Agathe',
  'Éva',
  'Adèle',
  'Célia',
  'Jeanne',
  'Laëtitia',
  'Gwenaëlle',
  'Rosalie',
  'Mathilde',
  'Pauline',
  'Charlotte',
  'Zoë',
  'Anne-Laure',
];

export const maleFirstNames: readonly string[] = [
  'Jean-Baptiste',
  'Loïc',
  'François',
  'Théo',
  'Lucas',
  'Hugo',
  'Mathéo',
  'Noé',
  'Raphaël',
  'Gaël',
  'Jérôme',
  'Benoît',
  'Stéphane',
  'Clément',
  'Léo',
  'Nathan',
  'Enzo',
  'Maxime',
  'Étienne',
  'Grégoire',
  'Timothée',
  'Mathis',
  'Quentin',
  'Adrien',
  'Yanis',
  'Rayan',
  'Mamadou',
  'Moussa',
  'Karim',
  'Mehdi',
  'Jean-Luc',
  'Pierre-Louis',
  'Jean-Marc',
  'Baptiste',
  'Aurélien',
  'Joël',
  'Hervé',
  'Rémi',
  'Cédric',
  'Sébastien',
  'Jérémy',
  'Frédéric',
  'Thibault',
  'Côme',
  'Gaétan',
  'Noël',
  'Anthony',
  'Kévin',
  'Bastien',
  'Tristan',
  'Yannick',
  'Alexis',
  'Valentin',
  'Arthur',
  'Louis',
  'Gabriel',
  'Antoine',
  'Paul',
  'Malo',
  'Élouan',
  'Killian',
  'Anaël',
];

export const lastNames: readonly string[] = [
  'Martin',
  'Bernard',
  'Dubois',
  'Thomas',
  'Robert',
  'Richard',
  'Petit',
  'Durand',
  'Leroy',
  'Moreau',
  'Simon',
  'Laurent',
  'Lefèvre',
  'Michel',
  'Garcia',
  'David',
  'Bertrand',
  'Roux',
  'Vincent',
  'Fournier',
  'Morel',
  'Girard',
  'André',
  'Lefebvre',
  'Mercier',
  'Dupont',
  'Lambert',
  'Bonnet',
  'François',
  'Martinez',
  'Legrand',
  'Garnier',
  'Faure',
  'Rousseau',
  'Blanc',
  'Guérin',
  'Müller',
  'Henry',
  'Roussel',
  'Nicolas',
  'Perrin',
  'Morin',
  'Mathieu',
  'Clément',
  'Gauthier',
  'Dumont',
  'Lopez',
  'Fontaine',
  'Chevalier',
  'Robin',
  'Masson',
  'Sánchez',
  'Gérard',
  'Nguyen',
  'Boyer',
  'Denis',
  'Lemaire',
  'Duval',
  'Joly',
  'Gautier',
  'Roger',
  'Roche',
  'Roy',
  'Noël',
  'Meyer',
  'Meunier',
  'Pérez',
  'Marchand',
  'Dufour',
  'Blanchard',
  'Barbier',
  'Brun',
  'Dumas',
  'Brunet',
  'Schmitt',
  'Leroux',
  'Colin',
  'Fernandez',
  'Renard',
  'Arnaud',
  'Rolland',
  'Caron',
  'Aubert',
  'Giraud',
  'Leclerc',
  'Vidal',
  'Bourgeois',
  'Renaud',
  'Lemoine',
  'Picard',
  'Gaillard',
  'Lacroix',
  'Fabre',
  'Dupuis',
  'Olivier',
  'Da Silva',
  'Hubert',
  'Rivière',
  'Le Gall',
  'Le Goff',
  'Le Bihan',
  'Le Roux',
  'Bénard',
  'Hébert',
  'Lévêque',
  'Bénézet',
  'Crépin',
  'Martin-Durand',
  'Lemaire-Duclos',
  'Bertin-Mourot',
  'Saint-Martin',
  'Sainte-Marie',
  'Dupont-Lavergne',
  'de La Fontaine',
  'de Villiers',
  "d'Almeida",
  "N'Diaye",
  "N'Guessan",
  'Diallo',
  'Traoré',
  'Camara',
  'Koné',
  'Benali',
  'Haddad',
  'Ben Salah',
  'El Amrani',
  'Ouédraogo',
  'Schäfer',
  'Öztürk',
  'Çelik',
  'Nowak',
  'Kowalski',
  'Pereira',
  'Gonçalves',
  'Ferreira',
  'Dos Santos',
  'Trần',
  'Lê',
  "O'Connor",
  'Kerhervé',
  'Quéméneur',
  'Œuvray',
];

/** Fold to lower-case ASCII for e-mail local parts and domains: `Lefèvre` → `lefevre`, `N'Diaye` → `ndiaye`. */
export function asciiFold(text: string): string {
  // Names repeat a lot and Unicode normalisation is slow: remember each answer.
  let folded = foldedNames.get(text);
  if (folded === undefined) {
    folded = fold(text);
    foldedNames.set(text, folded);
  }
  return folded;
}
const foldedNames = new Map<string, string>();

function fold(text: string): string {
  return text
    .replace(/[Œœ]/g, 'oe')
    .replace(/[Ææ]/g, 'ae')
    .replace(/ß/g, 'ss')
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/['’\s]/g, '')
    .replace(/[^a-z0-9.-]/g, '');
}

export const programmeFamilies = ['commerce', 'numerique', 'rh', 'metiers'] as const;
export type ProgrammeFamily = (typeof programmeFamilies)[number];

/** A brand ("Marque", the `Ecole` entity set): each one runs the programmes of its families. */
export interface BrandTemplate {
  code: string;
  name: string;
  externalName: string;
  /** Staff and student e-mail domain. */
  domain: string;
  family: ProgrammeFamily;
}

export const brandTemplates: readonly BrandTemplate[] = [
  {
    code: 'ESCG',
    name: 'ESCG',
    externalName: 'École Supérieure de Commerce et de Gestion',
    domain: 'escg-formation.fr',
    family: 'commerce',
  },
  {
    code: 'IDN',
    name: 'Institut du Numérique',
    externalName: 'Institut du Numérique et du Développement',
    domain: 'institut-numerique.fr',
    family: 'numerique',
  },
  {
    code: 'FMB',
    name: 'Faculté des Métiers',
    externalName: 'Faculté des Métiers de Bouche et de la Beauté',
    domain: 'faculte-metiers.fr',
    family: 'metiers',
  },
  {
    code: 'SUPRH',
    name: "Sup'RH",
    externalName: 'École Supérieure des Ressources Humaines',
    domain: 'sup-rh.fr',
    family: 'rh',
  },
];

export interface ProgrammeTemplate {
  /** Short name used in session and group names ("BTS MCO"). */
  label: string;
  code: string;
  title: string;
  family: ProgrammeFamily;
  /** Number of years; classes are "1A", "2A"... when more than one. */
  years: number;
  subjects: readonly string[];
  /** The subject of the night session that spans a daylight-saving change. */
  nightSubject: string;
}

export const programmeTemplates: readonly ProgrammeTemplate[] = [
  {
    label: 'BTS MCO',
    code: 'BTSMCO',
    title: 'BTS Management Commercial Opérationnel',
    family: 'commerce',
    years: 2,
    subjects: [
      'Gestion de la relation client',
      "Animation et dynamisation de l'offre commerciale",
      'Gestion opérationnelle',
      "Management de l'équipe commerciale",
      'Culture économique, juridique et managériale',
      'Anglais professionnel',
      'Culture générale et expression',
    ],
    nightSubject: 'Inventaire de nuit en magasin',
  },
  {
    label: 'BTS NDRC',
    code: 'BTSNDRC',
    title: 'BTS Négociation et Digitalisation de la Relation Client',
    family: 'commerce',
    years: 2,
    subjects: [
      'Relation client et négociation-vente',
      'Relation client à distance et digitalisation',
      'Relation client et animation de réseaux',
      'Anglais commercial',
      'Culture économique, juridique et managériale',
    ],
    nightSubject: 'Opération commerciale de nuit',
  },
  {
    label: 'BTS GPME',
    code: 'BTSGPME',
    title: 'BTS Gestion de la PME',
    family: 'commerce',
    years: 2,
    subjects: [
      'Relation avec les clients et les fournisseurs',
      'Gestion des risques de la PME',
      'Gestion du personnel',
      'Comptabilité et gestion',
      'Communication écrite et orale',
    ],
    nightSubject: "Clôture d'inventaire de nuit",
  },
  {
    label: 'BTS SIO',
    code: 'BTSSIO',
    title: 'BTS Services Informatiques aux Organisations',
    family: 'numerique',
    years: 2,
    subjects: [
      'Support et mise à disposition de services informatiques',
      "Conception et développement d'applications",
      'Cybersécurité des services informatiques',
      "Mathématiques pour l'informatique",
      'Anglais technique',
    ],
    nightSubject: 'Maintenance de nuit des serveurs',
  },
  {
    label: 'Titre Pro Développeur Web',
    code: 'TPDWWM',
    title: 'Titre Professionnel Développeur Web et Web Mobile',
    family: 'numerique',
    years: 1,
    subjects: [
      'Maquetter une application',
      'Développer une interface utilisateur',
      'Développer la partie back-end',
      'Accessibilité numérique',
      'Projet fil rouge',
    ],
    nightSubject: 'Hackathon de nuit',
  },
  {
    label: 'Bachelor Marketing digital',
    code: 'BACMKD',
    title: 'Bachelor Marketing et Communication Digitale',
    family: 'numerique',
    years: 1,
    subjects: [
      'Stratégie social media',
      'Référencement naturel et payant',
      'Analyse de données marketing',
      'Droit du numérique',
      'Brand content',
    ],
    nightSubject: 'Marathon créatif de nuit',
  },
  {
    label: 'Bachelor RH',
    code: 'BACRH',
    title: 'Bachelor Ressources Humaines',
    family: 'rh',
    years: 1,
    subjects: [
      'Gestion de la paie',
      'Droit du travail',
      'Recrutement et marque employeur',
      'Gestion des emplois et des compétences',
      'Relations sociales',
      'Systèmes d’information RH',
    ],
    nightSubject: 'Simulation de gestion de crise de nuit',
  },
  {
    label: 'Mastère Management RH',
    code: 'MSRH',
    title: 'Mastère Management des Ressources Humaines',
    family: 'rh',
    years: 2,
    subjects: [
      'Stratégie RH',
      'Qualité de vie au travail',
      'Pilotage de la masse salariale',
      'Conduite du changement',
      'Anglais des affaires',
    ],
    nightSubject: 'Séminaire de nuit',
  },
  {
    label: 'Titre Pro Assistant RH',
    code: 'TPARH',
    title: 'Titre Professionnel Assistant Ressources Humaines',
    family: 'rh',
    years: 1,
    subjects: [
      'Administration du personnel',
      'Recrutement et formation',
      'Bureautique avancée',
      'Communication professionnelle',
    ],
    nightSubject: 'Veille de nuit',
  },
  {
    label: 'CAP Cuisine',
    code: 'CAPCUI',
    title: 'CAP Cuisine',
    family: 'metiers',
    years: 2,
    subjects: [
      'Techniques culinaires',
      'Hygiène et sécurité alimentaire',
      'Technologie culinaire',
      'Prévention santé environnement',
      'Français',
      'Mathématiques et sciences',
    ],
    nightSubject: 'Service de nuit en brasserie',
  },
  {
    label: 'CAP Pâtissier',
    code: 'CAPPAT',
    title: 'CAP Pâtissier',
    family: 'metiers',
    years: 2,
    subjects: ['Pâtisserie de base', 'Viennoiserie', 'Sciences appliquées', 'Prévention santé environnement'],
    nightSubject: 'Fournil de nuit',
  },
  {
    label: 'CAP Boulanger',
    code: 'CAPBOU',
    title: 'CAP Boulanger',
    family: 'metiers',
    years: 2,
    subjects: ['Panification', 'Technologie boulangère', 'Sciences appliquées', 'Gestion et vente'],
    nightSubject: 'Fournée de nuit',
  },
  {
    label: 'BP Coiffure',
    code: 'BPCOIF',
    title: 'Brevet Professionnel Coiffure',
    family: 'metiers',
    years: 2,
    subjects: ['Coupe et coiffage', 'Coloration et effets de couleur', 'Gestion du salon', 'Arts appliqués'],
    nightSubject: 'Shooting photo de nuit',
  },
];

export interface CampusTemplate {
  city: string;
  code: string;
  postalCode: string;
  street: string;
}

export const campusTemplates: readonly CampusTemplate[] = [
  { city: 'Lyon', code: 'LYO', postalCode: '69007', street: '12 rue de Marseille' },
  { city: 'Nantes', code: 'NTE', postalCode: '44200', street: '5 quai François Mitterrand' },
  { city: 'Lille', code: 'LIL', postalCode: '59000', street: '48 rue de Béthune' },
  { city: 'Bordeaux', code: 'BDX', postalCode: '33100', street: '3 allée de Serr' },
  { city: 'Toulouse', code: 'TLS', postalCode: '31000', street: '27 boulevard de Strasbourg' },
  { city: 'Rennes', code: 'REN', postalCode: '35000', street: '9 place de Bretagne' },
];

/** Rooms of a campus, in the order they are handed out: enough for the largest campus. */
export function roomNames(count: number): string[] {
  const rooms = ['Amphi A', 'Amphi B'];
  for (let floor = 1; rooms.length < count; floor++) {
    for (let room = 1; room <= 12 && rooms.length < count; room++) {
      rooms.push(`Salle ${floor}${String(room).padStart(2, '0')}`);
    }
    if (floor === 1) rooms.push('Labo informatique 1', 'Cuisine pédagogique');
    if (floor === 2) rooms.push('Labo informatique 2', 'Salon de coiffure pédagogique', 'Salle de réunion Émeraude');
  }
  return rooms.slice(0, count);
}

export const equipmentNames: readonly string[] = [
  'Vidéoprojecteur mobile',
  "Chariot d'ordinateurs portables",
  'Tableau blanc interactif mobile',
];

/** Second groups some learners of a class join, so a learner can belong to several groups. */
export const optionGroupNames: readonly string[] = [
  'Option Anglais renforcé',
  'LV2 Espagnol',
  'LV2 Allemand',
  'Soutien méthodologique',
  'Section européenne',
];

export const commonEventNames: readonly string[] = [
  'Conférence métiers',
  'Atelier CV',
  'Forum des entreprises',
  "Journée d'intégration",
  'Job dating alternance',
  'Atelier LinkedIn',
  'Conférence prévention santé',
  'Réunion de rentrée',
  'Table ronde des anciens',
  'Atelier préparation aux entretiens',
];

export const reservationPurposes: readonly string[] = [
  'Réunion pédagogique',
  'Jury de recrutement',
  'Conseil de classe',
  'Portes ouvertes',
  'Entretiens individuels',
];

export interface CompanyTemplate {
  name: string;
  family: ProgrammeFamily;
}

export const companies: readonly CompanyTemplate[] = [
  { name: 'Supermarché Les Halles', family: 'commerce' },
  { name: 'Optique Lumière', family: 'commerce' },
  { name: 'Décor & Maison', family: 'commerce' },
  { name: "Sport'Évasion", family: 'commerce' },
  { name: 'Librairie La Plume', family: 'commerce' },
  { name: 'Jardinerie Verte Vallée', family: 'commerce' },
  { name: 'Transports Lemaire', family: 'commerce' },
  { name: 'Banque Régionale de l’Ouest', family: 'commerce' },
  { name: 'Assurances Méridien', family: 'commerce' },
  { name: 'Caviste L’Échanson', family: 'commerce' },
  { name: 'Numérik Services', family: 'numerique' },
  { name: 'Pixel & Code', family: 'numerique' },
  { name: 'Datavallée', family: 'numerique' },
  { name: 'Cyberdéfense Conseil', family: 'numerique' },
  { name: 'Logiciels Azur', family: 'numerique' },
  { name: 'Agence Créative Hélios', family: 'numerique' },
  { name: 'Cabinet Audit & Chiffres', family: 'rh' },
  { name: 'Mutuelle Horizon', family: 'rh' },
  { name: 'Clinique des Lilas', family: 'rh' },
  { name: 'Crèches Petits Pas', family: 'rh' },
  { name: 'Groupe Hôtelier Riviera', family: 'rh' },
  { name: 'Intérim Plus Conseil', family: 'rh' },
  { name: 'Boulangerie Au Bon Pain', family: 'metiers' },
  { name: 'Brasserie du Port', family: 'metiers' },
  { name: 'Restaurant Le Petit Gourmet', family: 'metiers' },
  { name: 'Hôtel des Voyageurs', family: 'metiers' },
  { name: 'Salon Éclat Coiffure', family: 'metiers' },
  { name: 'Pâtisserie Bérénice', family: 'metiers' },
  { name: 'Traiteur Saint-Clair', family: 'metiers' },
  { name: 'Fromagerie Comté & Cie', family: 'metiers' },
];

/** A company's e-mail domain: `Pâtisserie Bérénice` → `patisserie-berenice.fr`. */
export function companyDomain(name: string): string {
  const words = name
    .replace(/&/g, ' ')
    .split(/[\s'’]+/)
    .map(asciiFold)
    .filter((word) => word.length > 0);
  return `${words.join('-')}.fr`;
}

export const tutorJobTitles: Readonly<Record<ProgrammeFamily, readonly string[]>> = {
  commerce: ['Responsable de magasin', 'Chef de rayon', 'Responsable commercial', 'Gérant', 'Directrice d’agence'],
  numerique: ['Lead développeur', 'Responsable technique', 'Cheffe de projet digital', 'Administrateur systèmes'],
  rh: ['Directrice des ressources humaines', 'Chargé de recrutement', 'Responsable paie', 'Gestionnaire RH'],
  metiers: ['Chef de cuisine', 'Chef pâtissier', 'Artisan boulanger', 'Gérante de salon', 'Second de cuisine'],
};

/** Personal e-mail providers learners use, with a rough weight. */
export const personalMailDomains: readonly (readonly [string, number])[] = [
  ['gmail.com', 45],
  ['hotmail.fr', 12],
  ['outlook.fr', 10],
  ['yahoo.fr', 7],
  ['orange.fr', 7],
  ['free.fr', 5],
  ['icloud.com', 6],
  ['laposte.net', 4],
  ['sfr.fr', 4],
];

export const birthCities: readonly string[] = [
  'Lyon',
  'Villeurbanne',
  'Nantes',
  'Saint-Herblain',
  'Lille',
  'Roubaix',
  'Bordeaux',
  'Mérignac',
  'Toulouse',
  'Rennes',
  'Paris',
  'Saint-Étienne',
  'Clermont-Ferrand',
  'Besançon',
  'Nîmes',
  'Angers',
  'Le Mans',
  'Aix-en-Provence',
  'Fort-de-France',
  'Saint-Denis',
  'Dakar',
  'Casablanca',
];
