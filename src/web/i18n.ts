/**
 * Every word the dashboard shows, as data: French (the default: the users are French training organisations) and
 * English. `Labels` is typed from the English table, so a label missing in French does not compile; the unit test
 * checks the rest (placeholders, option explanations, reason codes). The glossary's words (src/domain/types.ts):
 * tenant, session, sheet, learner, facilitator, tutor, run, event, window.
 */
import type { TenantOptions } from '../config/config.js';
import { describeReason } from '../domain/reasons.js';
import type { ReasonCode } from '../domain/reasons.js';

export const langs = ['fr', 'en'] as const;
export type Lang = (typeof langs)[number];

export function isLang(value: unknown): value is Lang {
  return value === 'fr' || value === 'en';
}

const en = {
  appName: 'Aimaira ↔ Edusign connector',
  skipToContent: 'Skip to content',
  navMain: 'Main',
  navTenants: 'Tenants',
  navBreadcrumb: 'You are here',
  langFr: 'Français',
  langEn: 'English',
  signOut: 'Sign out',
  footer: 'Times are Paris time. People appear by kind and Aimaira id only.',
  backToTenants: 'Back to the tenants',
  backToTenant: 'Back to the tenant',

  signInTitle: 'Sign in',
  password: 'Password',
  signIn: 'Sign in',
  signInWrong: 'Wrong password.',
  signInWait: 'Too many attempts: try again in {seconds} s.',
  signedOut: 'You are signed out.',
  sessionExpired: 'Your session has ended: sign in again.',
  setupTitle: 'Choose the administrator password',
  setupIntro:
    'No administrator password is set yet. Type the one-time set-up token the service printed in its logs, then choose the password.',
  setupToken: 'Set-up token (from the logs)',
  newPassword: 'New password',
  confirmPassword: 'The same password again',
  passwordRule: 'At least 12 characters.',
  setupSubmit: 'Save the password',
  setupBadToken: 'This is not the set-up token of the logs.',
  setupMismatch: 'The two passwords differ.',
  setupShort: 'The password needs at least 12 characters.',
  setupDone: 'The password is set: sign in with it.',

  tenantsTitle: 'Tenants',
  tenantsIntro: '{count} tenant(s) synchronised by this connector.',
  tenantsCaption: 'Each tenant, its status, its last and next runs, and the records it keeps in sync',
  noTenants: 'No tenant yet: add one with the command line (tenant add).',
  tenant: 'Tenant',
  status: 'Status',
  lastRun: 'Last run',
  nextRuns: 'Next runs',
  sheetsInSync: 'Sheets',
  learnersInSync: 'Learners',
  facilitatorsInSync: 'Facilitators',
  never: 'never',
  running: 'running',
  noneScheduled: 'none scheduled',
  missedRuns: '{count} run(s) missed',
  pages: 'Pages',
  previousPage: '← Previous',
  nextPage: 'Next →',
  pageOf: 'Page {page} of {pages}',

  tenantTitle: 'Tenant {id}',
  overview: 'Overview',
  syncNow: 'Sync now',
  explainLink: 'Why isn’t this sheet on Edusign?',
  settingsLink: 'Settings',
  chartTitle: 'Runs of the last 30 days',
  chartWritten: 'records written (scale up to {max})',
  chartErrors: 'errors and failed runs (scale up to {max})',
  chartSummary: '{written} record(s) written, {errors} error(s) over 30 days.',
  chartDayLabel: '{day}: {runs} run(s), {written} record(s) written, {errors} error(s)',
  chartAsTable: 'The same as a table',
  runsCount: 'Runs',
  recordsWritten: 'Records written',
  errors: 'Errors',
  runsTitle: 'Runs',
  noRuns: 'No run yet.',
  when: 'When',
  direction: 'Direction',
  directionDown: 'down (Aimaira → Edusign)',
  directionUp: 'up (attendance → Aimaira)',
  duration: 'Duration',
  counts: 'Counts',
  countsLine: '{kind}: {actions}',
  nothingWritten: 'nothing written',
  events: 'Events',
  runEvents: 'events of run {id}',
  eventsTitle: 'Events and errors',
  eventsOfRun: 'Events of run {id} only.',
  filterEvents: 'Filter the events',
  level: 'Level',
  eventKind: 'Kind',
  reasonCode: 'Reason',
  date: 'Day',
  aimairaId: 'Aimaira id',
  any: 'any',
  filter: 'Filter',
  clearFilters: 'Clear the filters',
  searchEvents: 'Search the events',
  searchLabel: 'Session name or id, or a person’s name or e-mail',
  searchHelp:
    'A person is looked up in Aimaira by exact e-mail or first and last name; the events are then shown by their Aimaira id. What you type is neither shown nor kept.',
  search: 'Search',
  searchNothing: 'Nothing found for this search.',
  matchesTitle: 'Several matches: choose one',
  noEvents: 'No event matches.',
  record: 'Record',
  message: 'What happened',
  olderEvents: 'Older events →',
  lookupFailed: 'Aimaira could not be asked: {error}',

  explainTitle: 'Why isn’t this sheet on Edusign?',
  explainIntro:
    'Type the Aimaira id of the session, or search its name among the sessions of the window. The answer is read live from Aimaira and Edusign; nothing is written.',
  sessionId: 'Session id (Aimaira Planification)',
  explainSubmit: 'Explain',
  sessionName: 'Session name',
  searchSessions: 'Search the sessions',
  noSessionFound: 'No session of the window has this name.',
  sessionsFound: '{count} session(s) found',
  sessionLabel: 'Session {id}',
  sessionNotFound: 'Aimaira has no session with this id.',
  cancelled: 'cancelled',
  room: 'room',
  createdInAimaira: 'Created in Aimaira on {when}.',
  listedKept:
    'Listed in Aimaira: {listedFacilitators} facilitator(s), {listedLearners} learner(s), {listedGroups} group(s). Kept for the sheet: {keptFacilitators} facilitator(s), {keptLearners} learner(s).',
  withDefaultProfessor: '(with the default facilitator)',
  windowLine: 'Asked at {now}; the window runs from {start} to {end}.',
  comesDownYes: 'This session comes down to Edusign.',
  comesDownNo: 'This session does not come down to Edusign.',
  rulesThatApply: 'Rules that keep it from coming down',
  peopleLeftOut: 'People left out ({count})',
  none: 'none',
  tutorOf: 'tutor of learner(s) {ids}',
  warnings: 'Warnings',
  onEdusign: 'On Edusign',
  noSheet: 'No sheet on Edusign for this session.',
  sheetOnEdusign: 'Sheet {id}:',
  sheetLinked: 'linked, last written by the connector on {when};',
  sheetFoundByApiId: 'found by its API_ID, not linked yet;',
  sheetIncomplete: 'that write is incomplete;',
  sheetMissing: 'Edusign no longer has it.',
  sheetLocked: 'locked,',
  sheetNotLocked: 'not locked,',
  sheetSigned: 'already signed.',
  sheetNotSigned: 'no signature yet.',
  nextSync: 'At the next sync',
  butBlocked: 'But:',

  settingsTitle: 'Settings of {id}',
  optionsTitle: 'Options',
  saveOptions: 'Save the options',
  optionsSaved: 'Options saved. They apply from the next run.',
  optionsInvalid: 'Some options are not valid: see below.',
  notAnInteger: 'A whole number is expected.',
  notInRange: 'Between {min} and {max}.',
  notIdList: 'Positive whole numbers separated by commas.',
  credentialsTitle: 'Credentials',
  credentialsIntro: 'Credentials are stored encrypted and are never shown again, here or anywhere.',
  aimairaUrl: 'Aimaira address',
  aimairaAccess: 'Aimaira access',
  accessPassword: 'username and password (set)',
  accessApiKey: 'API key (set)',
  edusignUrl: 'Edusign address',
  aimairaUsername: 'New Aimaira username',
  aimairaPassword: 'New Aimaira password',
  aimairaApiKey: 'New Aimaira API key',
  edusignApiKey: 'New Edusign API key',
  credentialsKeep:
    'Leave a field empty to keep its current value. Addresses change with the command line (tenant update).',
  saveCredentials: 'Save the credentials',
  credentialsSaved: 'Credentials saved. Check the connection to be sure they work.',
  credentialsEmpty: 'Nothing to save: every field was empty.',
  credentialsTooLong: 'Nothing saved: “{field}” is longer than {max} characters.',
  checkTitle: 'Connection check',
  checkIntro: 'Signs in to Aimaira and Edusign with the stored credentials and checks the options that name records.',
  checkSubmit: 'Check the connection',
  checkOk: 'Everything works.',
  checkFailed: 'Something does not work: see below.',
  preflightTitle: 'Preflight',
  preflightIntro:
    'How the two servers behave where the public documents leave it open, probed with reads only, and which way the connector works with them. It runs before the first sync and with every connection check.',
  preflightNever: 'Not run yet: it runs with the next connection check, or on its own before the first sync.',
  preflightRanAt: 'Last run {when}.',
  preflightOk: 'Nothing needs a decision.',
  preflightNotes: '{count} point(s) need a look.',
  retentionTitle: 'History kept',
  retentionKept:
    'Runs and their events are kept {months} months after they end, then deleted (every day, by the service). Each tenant’s last run of each direction stays, whatever its age.',
  retentionOption: 'Set for the whole service, with serve --retention-months N.',

  syncTitle: 'Sync of {id}',
  syncRunning: 'Sync in progress',
  syncDone: 'Sync finished',
  syncBusy: 'No sync started: {reason}',
  progressStarting: 'Starting…',
  progressReading: 'Down: reading Aimaira and Edusign…',
  progressReadingUp: 'Up: reading the locked sheets of Edusign…',
  progressDownDone: 'Down: finished. Up follows…',
  progressUpDone: 'Up: finished.',
  progressDown: 'Down: {done} of {total} records written',
  progressUp: 'Up: {done} of {total} sheets written',
  reloadForSummary: 'Reload this page to see where it stands.',
  liveElsewhere: 'Run by another process of the service: its progress is read from the database.',
  liveSince: 'Started {when}.',

  notFoundTitle: 'Not found',
  notFound: 'This page does not exist.',
  tenantNotFound: 'There is no tenant with this id.',
  refusedTitle: 'Refused',
  csrfRefused: 'This form is out of date or comes from another site: reload the page and try again.',
  errorTitle: 'Something went wrong',
  errorText: 'The page could not be shown. The error is in the service’s logs.',

  accountActions: 'What to do with this account',
  accountActive: 'active',
  accountDisabled: 'disabled',
  accountExists: 'An account with this e-mail exists already.',
  accountInvited: 'invited',
  accountTitle: 'Your account',
  alertAttention: 'Sheets left out that need a person',
  alertFailing: 'A tenant fails',
  alertPaused: 'A tenant is paused',
  alertRecovered: 'A tenant recovers',
  alertSettingsHelp:
    'Alerts go by e-mail to the people of this tenant who asked for them (on their account page) and, when set, to this webhook as JSON with a text field that Slack and Teams show.',
  alertSettingsSaved: 'Alert settings saved.',
  alertSettingsTitle: 'Alerts',
  alertsSaved: 'Your alert choices are saved.',
  all: 'All',
  apiTokens: 'Personal API tokens',
  apiTokensHelp:
    'A token acts as you, with your roles, on /api/v1 (see the API documentation). It is shown once: keep it like a password.',
  auditNone: 'No change recorded yet.',
  auditTitle: 'Audit',
  changePassword: 'Change the password',
  createToken: 'Make a token',
  currentPassword: 'Current password',
  currentPasswordWrong: 'The current password is wrong.',
  downloadCsv: 'Download as CSV',
  email: 'E-mail',
  emailHelp: 'The address of your account (the service’s first administrator signs in as admin).',
  emailInvalid: 'This is not an e-mail address.',
  enableAccount: 'Enable the account',
  disableAccount: 'Disable the account',
  expires: 'expires {at}',
  forbidden: 'Your role does not allow this.',
  from: 'From',
  invitationAccept: 'Set my password',
  invitationFor: 'Choose the password of the account {email}.',
  invitationGone: 'This link is unknown, used or expired: ask an operator for a new one.',
  invitationTitle: 'Your account',
  inviteHelp:
    'The link is good for 72 hours, once. It is shown here once and sent by e-mail when the service can send mail.',
  inviteLink: 'The invitation link:',
  inviteMailSubject: 'Your access to the Aimaira ↔ Edusign connector',
  inviteMailText:
    'You are invited to the Aimaira ↔ Edusign connector. Choose your password within 72 hours at this address:\n\n{link}\n',
  inviteMailed: 'Invitation sent to {email}.',
  inviteMade: 'Invitation made for {email}: hand over the link below.',
  inviteSubmit: 'Invite',
  inviteTitle: 'Invite someone',
  language: 'Language',
  noRole: 'no role',
  notYourself: 'You cannot do this to your own account.',
  openInvitations: 'Invitations not used yet',
  passwordChanged: 'Your password is changed.',
  pauseReason: 'Why (optional)',
  pauseTenant: 'Pause',
  pausedBy: 'paused by {who}',
  readOnly: 'You can read this tenant’s pages; changes are for its managers.',
  resetLink: 'The link to choose a new password:',
  resetMailSubject: 'A new password for the Aimaira ↔ Edusign connector',
  resetMailText: 'An operator reset your password. Choose a new one within 72 hours at this address:\n\n{link}\n',
  resetMailed: 'The old password no longer works; the link went by e-mail.',
  resetMade: 'The old password no longer works: hand over the link below.',
  resetPassword: 'Reset the password',
  resumeTenant: 'Resume',
  revokeToken: 'Revoke',
  role: 'Role',
  roleManager: 'manager',
  roleOperator: 'Operator (every tenant, the accounts, the service)',
  roleViewer: 'viewer',
  roles: 'Roles',
  rolesSaved: 'Roles saved.',
  save: 'Save',
  shownOnce: 'Shown this once only: copy it now.',
  since: 'Since',
  theService: 'the service',
  tokenMade: 'Your token “{name}”:',
  tokenName: 'Name',
  tokenNameNeeded: 'Give the token a name.',
  tokenRevoked: 'revoked',
  tokenRevokedNow: 'The token is revoked.',
  until: 'Until',
  usersTitle: 'Accounts',
  webhookInvalid: 'The webhook URL is not valid.',
  webhookUrl: 'Webhook URL (Slack, Teams or any JSON receiver)',
  what: 'What',
  who: 'Who',
  yourAlerts: 'Your alerts',
  yourAlertsHelp: 'What you receive by e-mail about the tenants you can see, once per change (not at every run).',
  yourRoles: 'You',
} as const;

export type LabelKey = keyof typeof en;
export type Labels = Record<LabelKey, string>;

const fr: Labels = {
  appName: 'Connecteur Aimaira ↔ Edusign',
  skipToContent: 'Aller au contenu',
  navMain: 'Navigation principale',
  navTenants: 'Organismes',
  navBreadcrumb: 'Vous êtes ici',
  langFr: 'Français',
  langEn: 'English',
  signOut: 'Se déconnecter',
  footer: 'Heures de Paris. Les personnes n’apparaissent que par leur type et leur identifiant Aimaira.',
  backToTenants: 'Retour aux organismes',
  backToTenant: 'Retour à l’organisme',

  signInTitle: 'Connexion',
  password: 'Mot de passe',
  signIn: 'Se connecter',
  signInWrong: 'Mot de passe incorrect.',
  signInWait: 'Trop de tentatives : réessayez dans {seconds} s.',
  signedOut: 'Vous êtes déconnecté.',
  sessionExpired: 'Votre session a expiré : reconnectez-vous.',
  setupTitle: 'Choisir le mot de passe administrateur',
  setupIntro:
    'Aucun mot de passe administrateur n’est encore défini. Saisissez le code d’installation à usage unique affiché dans les journaux du service, puis choisissez le mot de passe.',
  setupToken: 'Code d’installation (dans les journaux)',
  newPassword: 'Nouveau mot de passe',
  confirmPassword: 'Le même mot de passe, à nouveau',
  passwordRule: 'Au moins 12 caractères.',
  setupSubmit: 'Enregistrer le mot de passe',
  setupBadToken: 'Ce n’est pas le code d’installation des journaux.',
  setupMismatch: 'Les deux mots de passe diffèrent.',
  setupShort: 'Le mot de passe doit compter au moins 12 caractères.',
  setupDone: 'Le mot de passe est défini : connectez-vous avec.',

  tenantsTitle: 'Organismes',
  tenantsIntro: '{count} organisme(s) synchronisé(s) par ce connecteur.',
  tenantsCaption: 'Chaque organisme, son état, ses dernière et prochaines synchronisations et ce qu’il tient à jour',
  noTenants: 'Aucun organisme pour l’instant : ajoutez-en un en ligne de commande (tenant add).',
  tenant: 'Organisme',
  status: 'État',
  lastRun: 'Dernière synchronisation',
  nextRuns: 'Prochaines synchronisations',
  sheetsInSync: 'Feuilles',
  learnersInSync: 'Apprenants',
  facilitatorsInSync: 'Intervenants',
  never: 'jamais',
  running: 'en cours',
  noneScheduled: 'aucune prévue',
  missedRuns: '{count} synchronisation(s) manquée(s)',
  pages: 'Pages',
  previousPage: '← Précédente',
  nextPage: 'Suivante →',
  pageOf: 'Page {page} sur {pages}',

  tenantTitle: 'Organisme {id}',
  overview: 'En bref',
  syncNow: 'Synchroniser maintenant',
  explainLink: 'Pourquoi cette feuille n’est-elle pas sur Edusign ?',
  settingsLink: 'Réglages',
  chartTitle: 'Synchronisations des 30 derniers jours',
  chartWritten: 'enregistrements écrits (échelle jusqu’à {max})',
  chartErrors: 'erreurs et synchronisations échouées (échelle jusqu’à {max})',
  chartSummary: '{written} enregistrement(s) écrit(s), {errors} erreur(s) sur 30 jours.',
  chartDayLabel: '{day} : {runs} synchronisation(s), {written} enregistrement(s) écrit(s), {errors} erreur(s)',
  chartAsTable: 'Les mêmes chiffres en tableau',
  runsCount: 'Synchronisations',
  recordsWritten: 'Enregistrements écrits',
  errors: 'Erreurs',
  runsTitle: 'Synchronisations',
  noRuns: 'Aucune synchronisation pour l’instant.',
  when: 'Quand',
  direction: 'Sens',
  directionDown: 'descendante (Aimaira → Edusign)',
  directionUp: 'montante (présences → Aimaira)',
  duration: 'Durée',
  counts: 'Bilan',
  countsLine: '{kind} : {actions}',
  nothingWritten: 'rien d’écrit',
  events: 'Événements',
  runEvents: 'événements de la synchronisation {id}',
  eventsTitle: 'Événements et erreurs',
  eventsOfRun: 'Seulement les événements de la synchronisation {id}.',
  filterEvents: 'Filtrer les événements',
  level: 'Niveau',
  eventKind: 'Type',
  reasonCode: 'Motif',
  date: 'Jour',
  aimairaId: 'Identifiant Aimaira',
  any: 'tous',
  filter: 'Filtrer',
  clearFilters: 'Effacer les filtres',
  searchEvents: 'Rechercher dans les événements',
  searchLabel: 'Nom ou identifiant d’une séance, ou nom ou e-mail d’une personne',
  searchHelp:
    'Une personne est cherchée dans Aimaira par son e-mail exact ou ses prénom et nom ; ses événements sont ensuite affichés par son identifiant Aimaira. Ce que vous saisissez n’est ni affiché ni conservé.',
  search: 'Rechercher',
  searchNothing: 'Rien trouvé pour cette recherche.',
  matchesTitle: 'Plusieurs résultats : choisissez',
  noEvents: 'Aucun événement ne correspond.',
  record: 'Enregistrement',
  message: 'Ce qui s’est passé',
  olderEvents: 'Événements plus anciens →',
  lookupFailed: 'Aimaira n’a pas pu être interrogé : {error}',

  explainTitle: 'Pourquoi cette feuille n’est-elle pas sur Edusign ?',
  explainIntro:
    'Saisissez l’identifiant Aimaira de la séance, ou cherchez son nom parmi les séances de la fenêtre. La réponse est lue en direct dans Aimaira et Edusign ; rien n’est écrit.',
  sessionId: 'Identifiant de la séance (Planification Aimaira)',
  explainSubmit: 'Expliquer',
  sessionName: 'Nom de la séance',
  searchSessions: 'Chercher les séances',
  noSessionFound: 'Aucune séance de la fenêtre ne porte ce nom.',
  sessionsFound: '{count} séance(s) trouvée(s)',
  sessionLabel: 'Séance {id}',
  sessionNotFound: 'Aimaira n’a aucune séance avec cet identifiant.',
  cancelled: 'annulée',
  room: 'salle',
  createdInAimaira: 'Créée dans Aimaira le {when}.',
  listedKept:
    'Dans Aimaira : {listedFacilitators} intervenant(s), {listedLearners} apprenant(s), {listedGroups} groupe(s). Retenus pour la feuille : {keptFacilitators} intervenant(s), {keptLearners} apprenant(s).',
  withDefaultProfessor: '(avec l’intervenant par défaut)',
  windowLine: 'Question posée le {now} ; la fenêtre va du {start} au {end}.',
  comesDownYes: 'Cette séance descend sur Edusign.',
  comesDownNo: 'Cette séance ne descend pas sur Edusign.',
  rulesThatApply: 'Règles qui l’empêchent de descendre',
  peopleLeftOut: 'Personnes écartées ({count})',
  none: 'aucune',
  tutorOf: 'tuteur de l’apprenant ou des apprenants {ids}',
  warnings: 'Avertissements',
  onEdusign: 'Sur Edusign',
  noSheet: 'Aucune feuille sur Edusign pour cette séance.',
  sheetOnEdusign: 'Feuille {id} :',
  sheetLinked: 'liée, écrite pour la dernière fois par le connecteur le {when} ;',
  sheetFoundByApiId: 'retrouvée par son API_ID, pas encore liée ;',
  sheetIncomplete: 'cette écriture est incomplète ;',
  sheetMissing: 'Edusign ne l’a plus.',
  sheetLocked: 'verrouillée,',
  sheetNotLocked: 'non verrouillée,',
  sheetSigned: 'déjà signée.',
  sheetNotSigned: 'pas encore signée.',
  nextSync: 'À la prochaine synchronisation',
  butBlocked: 'Mais :',

  settingsTitle: 'Réglages de {id}',
  optionsTitle: 'Options',
  saveOptions: 'Enregistrer les options',
  optionsSaved: 'Options enregistrées. Elles s’appliquent dès la prochaine synchronisation.',
  optionsInvalid: 'Certaines options ne sont pas valides : voir ci-dessous.',
  notAnInteger: 'Un nombre entier est attendu.',
  notInRange: 'Entre {min} et {max}.',
  notIdList: 'Des nombres entiers positifs séparés par des virgules.',
  credentialsTitle: 'Identifiants',
  credentialsIntro: 'Les identifiants sont stockés chiffrés et ne sont plus jamais affichés, ici ni ailleurs.',
  aimairaUrl: 'Adresse Aimaira',
  aimairaAccess: 'Accès Aimaira',
  accessPassword: 'identifiant et mot de passe (renseignés)',
  accessApiKey: 'clé d’API (renseignée)',
  edusignUrl: 'Adresse Edusign',
  aimairaUsername: 'Nouvel identifiant Aimaira',
  aimairaPassword: 'Nouveau mot de passe Aimaira',
  aimairaApiKey: 'Nouvelle clé d’API Aimaira',
  edusignApiKey: 'Nouvelle clé d’API Edusign',
  credentialsKeep:
    'Laissez un champ vide pour garder sa valeur actuelle. Les adresses se changent en ligne de commande (tenant update).',
  saveCredentials: 'Enregistrer les identifiants',
  credentialsSaved: 'Identifiants enregistrés. Vérifiez la connexion pour vous assurer qu’ils fonctionnent.',
  credentialsEmpty: 'Rien à enregistrer : tous les champs étaient vides.',
  credentialsTooLong: 'Rien n’a été enregistré : « {field} » dépasse {max} caractères.',
  checkTitle: 'Vérification de la connexion',
  checkIntro:
    'Se connecte à Aimaira et à Edusign avec les identifiants enregistrés et vérifie les options qui désignent des enregistrements.',
  checkSubmit: 'Vérifier la connexion',
  checkOk: 'Tout fonctionne.',
  checkFailed: 'Quelque chose ne fonctionne pas : voir ci-dessous.',
  preflightTitle: 'Pré-vérification',
  preflightIntro:
    'Comment les deux serveurs se comportent là où les documents publics ne le disent pas, sondé en lecture seule, et la façon dont le connecteur travaille avec eux. Elle s’exécute avant la première synchronisation et à chaque vérification de la connexion.',
  preflightNever:
    'Pas encore exécutée : elle s’exécute à la prochaine vérification de la connexion, ou d’elle-même avant la première synchronisation.',
  preflightRanAt: 'Dernière exécution : {when}.',
  preflightOk: 'Rien n’est à décider.',
  preflightNotes: '{count} point(s) à regarder.',
  retentionTitle: 'Historique conservé',
  retentionKept:
    'Les exécutions et leurs événements sont conservés {months} mois après leur fin, puis supprimés (chaque jour, par le service). La dernière exécution de chaque sens de chaque organisation reste, quel que soit son âge.',
  retentionOption: 'Réglé pour tout le service, avec serve --retention-months N.',

  syncTitle: 'Synchronisation de {id}',
  syncRunning: 'Synchronisation en cours',
  syncDone: 'Synchronisation terminée',
  syncBusy: 'Aucune synchronisation lancée : {reason}',
  progressStarting: 'Démarrage…',
  progressReading: 'Descente : lecture d’Aimaira et d’Edusign…',
  progressReadingUp: 'Montée : lecture des feuilles verrouillées d’Edusign…',
  progressDownDone: 'Descente : terminée. La montée suit…',
  progressUpDone: 'Montée : terminée.',
  progressDown: 'Descente : {done} enregistrement(s) écrit(s) sur {total}',
  progressUp: 'Montée : {done} feuille(s) traitée(s) sur {total}',
  reloadForSummary: 'Rechargez la page pour voir où elle en est.',
  liveElsewhere: 'Menée par un autre processus du service : son avancement est lu dans la base de données.',
  liveSince: 'Commencée : {when}.',

  notFoundTitle: 'Introuvable',
  notFound: 'Cette page n’existe pas.',
  tenantNotFound: 'Aucun organisme n’a cet identifiant.',
  refusedTitle: 'Refusé',
  csrfRefused: 'Ce formulaire est périmé ou vient d’un autre site : rechargez la page et réessayez.',
  errorTitle: 'Un problème est survenu',
  errorText: 'La page n’a pas pu être affichée. L’erreur figure dans les journaux du service.',

  accountActions: 'Actions sur ce compte',
  accountActive: 'actif',
  accountDisabled: 'désactivé',
  accountExists: 'Un compte existe déjà pour cette adresse.',
  accountInvited: 'invité',
  accountTitle: 'Votre compte',
  alertAttention: 'Feuilles écartées qui demandent une intervention',
  alertFailing: 'Un client est en échec',
  alertPaused: 'Un client est mis en pause',
  alertRecovered: 'Un client est rétabli',
  alertSettingsHelp:
    'Les alertes partent par e-mail aux personnes de ce client qui les ont choisies (sur leur page de compte) et, s’il est renseigné, vers ce webhook en JSON, avec un champ texte que Slack et Teams affichent.',
  alertSettingsSaved: 'Réglages des alertes enregistrés.',
  alertSettingsTitle: 'Alertes',
  alertsSaved: 'Vos choix d’alertes sont enregistrés.',
  all: 'Tous',
  apiTokens: 'Jetons d’API personnels',
  apiTokensHelp:
    'Un jeton agit en votre nom, avec vos rôles, sur /api/v1 (voir la documentation de l’API). Il n’est montré qu’une fois : gardez-le comme un mot de passe.',
  auditNone: 'Aucune modification enregistrée pour l’instant.',
  auditTitle: 'Journal des modifications',
  changePassword: 'Changer le mot de passe',
  createToken: 'Créer un jeton',
  currentPassword: 'Mot de passe actuel',
  currentPasswordWrong: 'Le mot de passe actuel est incorrect.',
  downloadCsv: 'Télécharger en CSV',
  email: 'Adresse e-mail',
  emailHelp: 'L’adresse de votre compte (le premier administrateur du service se connecte avec admin).',
  emailInvalid: 'Ce n’est pas une adresse e-mail.',
  enableAccount: 'Réactiver le compte',
  disableAccount: 'Désactiver le compte',
  expires: 'expire le {at}',
  forbidden: 'Votre rôle ne le permet pas.',
  from: 'Depuis',
  invitationAccept: 'Choisir mon mot de passe',
  invitationFor: 'Choisissez le mot de passe du compte {email}.',
  invitationGone: 'Ce lien est inconnu, déjà utilisé ou expiré : demandez-en un nouveau à un opérateur.',
  invitationTitle: 'Votre compte',
  inviteHelp:
    'Le lien est valable 72 heures, une seule fois. Il est affiché ici une fois et envoyé par e-mail quand le service peut envoyer des messages.',
  inviteLink: 'Le lien d’invitation :',
  inviteMailSubject: 'Votre accès au connecteur Aimaira ↔ Edusign',
  inviteMailText:
    'Vous êtes invité sur le connecteur Aimaira ↔ Edusign. Choisissez votre mot de passe dans les 72 heures à cette adresse :\n\n{link}\n',
  inviteMailed: 'Invitation envoyée à {email}.',
  inviteMade: 'Invitation créée pour {email} : transmettez le lien ci-dessous.',
  inviteSubmit: 'Inviter',
  inviteTitle: 'Inviter une personne',
  language: 'Langue',
  noRole: 'aucun rôle',
  notYourself: 'Vous ne pouvez pas faire cela sur votre propre compte.',
  openInvitations: 'Invitations pas encore utilisées',
  passwordChanged: 'Votre mot de passe est changé.',
  pauseReason: 'Pourquoi (facultatif)',
  pauseTenant: 'Mettre en pause',
  pausedBy: 'mis en pause par {who}',
  readOnly: 'Vous pouvez consulter ce client ; les modifications sont réservées à ses gestionnaires.',
  resetLink: 'Le lien pour choisir un nouveau mot de passe :',
  resetMailSubject: 'Un nouveau mot de passe pour le connecteur Aimaira ↔ Edusign',
  resetMailText:
    'Un opérateur a réinitialisé votre mot de passe. Choisissez-en un nouveau dans les 72 heures à cette adresse :\n\n{link}\n',
  resetMailed: 'L’ancien mot de passe ne fonctionne plus ; le lien est parti par e-mail.',
  resetMade: 'L’ancien mot de passe ne fonctionne plus : transmettez le lien ci-dessous.',
  resetPassword: 'Réinitialiser le mot de passe',
  resumeTenant: 'Reprendre',
  revokeToken: 'Révoquer',
  role: 'Rôle',
  roleManager: 'gestionnaire',
  roleOperator: 'Opérateur (tous les clients, les comptes, le service)',
  roleViewer: 'lecteur',
  roles: 'Rôles',
  rolesSaved: 'Rôles enregistrés.',
  save: 'Enregistrer',
  shownOnce: 'Affiché cette seule fois : copiez-le maintenant.',
  since: 'Depuis le',
  theService: 'le service',
  tokenMade: 'Votre jeton « {name} » :',
  tokenName: 'Nom',
  tokenNameNeeded: 'Donnez un nom au jeton.',
  tokenRevoked: 'révoqué',
  tokenRevokedNow: 'Le jeton est révoqué.',
  until: 'Jusqu’au',
  usersTitle: 'Comptes',
  webhookInvalid: 'L’URL du webhook n’est pas valide.',
  webhookUrl: 'URL du webhook (Slack, Teams ou tout récepteur JSON)',
  what: 'Quoi',
  who: 'Qui',
  yourAlerts: 'Vos alertes',
  yourAlertsHelp:
    'Ce que vous recevez par e-mail sur les clients que vous voyez, une fois par changement (pas à chaque synchronisation).',
  yourRoles: 'Vous',
};

export const labels: Record<Lang, Labels> = { en, fr };

export type Translate = ((key: LabelKey, params?: Record<string, string | number>) => string) & { readonly lang: Lang };

/** `{name}` in a label is replaced by `params.name`. */
export function translator(lang: Lang): Translate {
  const table = labels[lang];
  const t = (key: LabelKey, params: Record<string, string | number> = {}) =>
    table[key].replace(/\{([a-zA-Z]+)\}/g, (match, name: string) =>
      Object.hasOwn(params, name) ? String(params[name]) : match,
    );
  return Object.assign(t, { lang });
}

// ---- Words of the domain: statuses, levels, actions, kinds ------------------------------------------------------

const terms: Record<Lang, Record<string, string>> = {
  en: {
    healthy: 'healthy',
    partial: 'partial',
    failing: 'failing',
    paused: 'paused',
    new: 'not run yet',
    running: 'running',
    success: 'success',
    failed: 'failed',
    interrupted: 'interrupted',
    info: 'info',
    warning: 'warning',
    error: 'error',
    created: 'created',
    updated: 'updated',
    deleted: 'deleted',
    adopted: 'adopted',
    recovered: 'recovered',
    kept: 'kept',
    skipped: 'skipped',
    realised: 'marked done',
    locked: 'locked sheets read',
    unchanged: 'unchanged',
    course: 'course session',
    'common-event': 'common event',
    other: 'not an attendance type',
    'next-create': 'The sheet will be created.',
    'next-recover': 'The sheet an earlier run created will be linked again and brought up to date.',
    'next-update': 'The sheet will be updated.',
    'next-delete': 'The sheet will be deleted.',
    'next-keep': 'The sheet will be kept although the session no longer comes down.',
    'next-nothing': 'Nothing will be done with this session.',
  },
  fr: {
    healthy: 'en bonne santé',
    partial: 'partiel',
    failing: 'en échec',
    paused: 'en pause',
    new: 'jamais synchronisé',
    running: 'en cours',
    success: 'réussie',
    failed: 'échouée',
    interrupted: 'interrompue',
    info: 'info',
    warning: 'avertissement',
    error: 'erreur',
    created: 'créations',
    updated: 'mises à jour',
    deleted: 'suppressions',
    adopted: 'rattachements',
    recovered: 'récupérations',
    kept: 'conservations',
    skipped: 'non synchronisés',
    realised: 'marquées réalisées',
    locked: 'feuilles verrouillées lues',
    unchanged: 'inchangées',
    course: 'séance de cours',
    'common-event': 'événement commun',
    other: 'type sans feuille d’émargement',
    'next-create': 'La feuille sera créée.',
    'next-recover': 'La feuille créée par une synchronisation précédente sera de nouveau liée et mise à jour.',
    'next-update': 'La feuille sera mise à jour.',
    'next-delete': 'La feuille sera supprimée.',
    'next-keep': 'La feuille sera conservée bien que la séance ne descende plus.',
    'next-nothing': 'Rien ne sera fait pour cette séance.',
  },
};

/** Every word `statusLabel` is asked for: the unit test checks both languages have each. */
export const termKeys = Object.keys(terms.en);

/** A status, level, action or other enumerated word of the domain; the word itself when unknown. */
export function statusLabel(term: string, t: Translate): string {
  return terms[t.lang][term] ?? term;
}

/** An action of a run's counts (`created`, `skipped`, `realised`...). */
export function actionLabel(action: string, t: Translate): string {
  return statusLabel(action, t);
}

const kinds: Record<Lang, Record<string, [string, string]>> = {
  en: {
    sheet: ['sheet', 'sheets'],
    learner: ['learner', 'learners'],
    facilitator: ['facilitator', 'facilitators'],
    tutor: ['tutor', 'tutors'],
    group: ['group', 'groups'],
    attendance: ['attendance row', 'attendance rows'],
  },
  fr: {
    sheet: ['feuille', 'feuilles'],
    learner: ['apprenant', 'apprenants'],
    facilitator: ['intervenant', 'intervenants'],
    tutor: ['tuteur', 'tuteurs'],
    group: ['groupe', 'groupes'],
    attendance: ['présence', 'présences'],
  },
};

export const kindKeys = Object.keys(kinds.en);

/** A record kind, singular for `count` 1, plural otherwise (the default). */
export function kindLabel(kind: string, t: Translate, count = 2): string {
  const pair = kinds[t.lang][kind];
  return pair ? pair[count === 1 ? 0 : 1] : kind;
}

// ---- Reason codes ---------------------------------------------------------------------------------------------

/** French for every reason code; English is the code's own description (src/domain/reasons.ts). */
const reasonsFr: Record<ReasonCode, string> = {
  PAST: 'La séance commence avant l’instant de la synchronisation : les séances passées ne sont pas synchronisées.',
  BEYOND_HORIZON:
    'La séance commence après l’horizon de synchronisation (fin de la journée d’aujourd’hui + horizonDays, heure de Paris).',
  CREATED_TODAY:
    'La séance a été créée aujourd’hui dans Aimaira (heure de Paris) : elle descendra à la première synchronisation d’un jour suivant.',
  CANCELLED: 'La séance est annulée dans Aimaira.',
  NOT_ATTENDANCE_TYPE: 'La séance n’est ni une séance de cours (SEANCE) ni un événement commun (EVENEMENT).',
  COMMON_EVENTS_DISABLED: 'La séance est un événement commun et l’option importEvenementsCommuns est désactivée.',
  DEFAULT_PROFESSOR_MISSING:
    'L’événement commun n’a pas d’intervenant, et defaultProfsForEvenementsCommun n’est pas renseigné ou n’existe pas sur Edusign.',
  WRONG_STRUCTURE:
    'La marque de la séance (l’école de son programme) ne fait pas partie des structures de l’organisme.',
  NO_FACILITATOR: 'La séance n’a pas d’intervenant.',
  INVALID_FACILITATOR: 'Aucun intervenant de la séance n’a à la fois un prénom, un nom et un e-mail valide.',
  NO_VALID_LEARNER: 'La séance n’a aucun apprenant avec un prénom, un nom et un e-mail valide.',
  INVALID_LEARNER: 'Il manque à l’apprenant un prénom, un nom ou un e-mail valide.',
  INVALID_TUTOR:
    'Il manque au tuteur un prénom, un nom ou un e-mail valide : l’apprenant descend donc sans son tuteur.',
  DUPLICATE_EMAIL: 'Une autre personne du même type utilise déjà cet e-mail ; la première le garde.',
  TOO_MANY_FACILITATORS: 'Edusign accepte au plus 3 intervenants par feuille ; les 3 premiers valides sont retenus.',
  LOCKED: 'La feuille est verrouillée (archivée) sur Edusign et n’est plus jamais modifiée.',
  SIGNED: 'Quelqu’un a déjà signé la feuille : elle est conservée même si sa séance ne descend plus.',
  SIGNED_LEARNER_KEPT:
    'L’apprenant ne figure plus sur la séance dans Aimaira mais a déjà signé la feuille : il y reste.',
  ADOPTED_BY_EMAIL:
    'Un enregistrement créé à la main dans Edusign avec le même e-mail a été lié, plutôt que de créer un doublon.',
  RECOVERED_BY_API_ID:
    'Un enregistrement créé auparavant par le connecteur a été retrouvé par son API_ID et lié à nouveau.',
  EMAIL_TAKEN: 'Un enregistrement Edusign avec cet e-mail appartient à un autre enregistrement Aimaira.',
  EDUSIGN_REJECTED: 'Edusign a refusé l’écriture.',
  EDUSIGN_UNAVAILABLE:
    'Edusign était injoignable ou en erreur ; l’enregistrement sera retenté à la prochaine synchronisation.',
  SESSION_GONE: 'La séance a été annulée, supprimée ou déplacée hors de la fenêtre dans Aimaira.',
  ATTENDANCE_DISABLED:
    'L’option sendAttendance est désactivée pour cet organisme : aucune présence n’est envoyée à Aimaira.',
  SHEET_NOT_LINKED:
    'La feuille verrouillée n’a été ni créée ni rattachée par le connecteur (faite à la main dans Edusign) : ses présences ne sont pas envoyées.',
  LEARNER_NOT_LINKED:
    'Une personne de la feuille verrouillée n’est liée à aucun apprenant Aimaira, il n’y a donc pas de ligne où écrire ; la séance n’est pas marquée réalisée.',
  NO_ATTENDANCE_ROW:
    'L’apprenant n’a pas de ligne apprenant sur la séance dans Aimaira, sa présence ne peut donc pas être écrite ; la séance n’est pas marquée réalisée.',
  NOT_ON_SHEET:
    'L’apprenant figure sur la séance dans Aimaira mais pas sur la feuille Edusign : rien n’est envoyé pour lui.',
  AIMAIRA_REJECTED: 'Aimaira a refusé l’écriture ; elle sera retentée à la prochaine synchronisation.',
  AIMAIRA_UNAVAILABLE:
    'Aimaira était injoignable ou en erreur ; l’écriture sera retentée à la prochaine synchronisation.',
  TUTORS_UNAVAILABLE:
    'Ce serveur Edusign n’a pas les routes des externes : les tuteurs ont été laissés de côté pour cette synchronisation ; les apprenants et les feuilles sont descendus, et les tuteurs des apprenants dans Edusign n’ont pas été modifiés.',
  ROW_MATCH_CONFLICT:
    'La ligne de l’apprenant sur la séance le désigne par sa Reference mais porte le code d’un autre apprenant : impossible de savoir à qui elle est. Elle n’est pas écrite et la séance n’est pas marquée réalisée tant que la ligne n’est pas corrigée dans Aimaira.',
  PROVENANCE_NOT_ALLOWED:
    'La valeur de l’option provenancePresence n’est pas une de celles qu’Aimaira liste pour ProvenancePresence (ou son $metadata n’a pas pu être lu pour le vérifier) : chaque ligne garde la valeur qu’elle a déjà.',
};

export function reasonText(code: ReasonCode, lang: Lang): string {
  return lang === 'fr' ? reasonsFr[code] : describeReason(code);
}

// ---- Options of a tenant: every option of the help article, explained -----------------------------------------

export interface OptionText {
  label: string;
  help: string;
}

export type OptionName = keyof TenantOptions;

const optionsEn: Record<OptionName, OptionText> = {
  sendCredentials: {
    label: 'Send sign-in details',
    help: 'When the connector adds a learner or a facilitator to Edusign, Edusign e-mails them how to sign in.',
  },
  sendAttendance: {
    label: 'Send attendance back to Aimaira',
    help: 'Once a sheet is locked on Edusign, each learner’s presence or absence is written to their row of the session in Aimaira.',
  },
  structures: {
    label: 'Brands (structures) to synchronise',
    help: 'Aimaira school ids (Ecole, the “brand” of a programme), separated by commas. Only sessions of these brands come down; empty means every brand.',
  },
  importEvenementsCommuns: {
    label: 'Bring down common events',
    help: 'Common events (EVENEMENT: open days, conferences, shared workshops) become sheets too, not only course sessions.',
  },
  defaultProfsForEvenementsCommun: {
    label: 'Default facilitator of common events',
    help: 'The Edusign id of a facilitator who already exists on Edusign. A sheet needs a facilitator and common events rarely have one: this one is put on them. Empty: common events without a facilitator stay in Aimaira.',
  },
  importStudentTutors: {
    label: 'Bring down tutors',
    help: 'Each learner’s company tutor, taken from their agreement with Aimaira status “completed”, is added to Edusign as the learner’s follower.',
  },
  planifRealise: {
    label: 'Mark sessions done',
    help: 'When attendance is sent, the session is also marked done (Réalisé) in Aimaira. Aimaira needs it to count absences; recommended with the sending of attendance.',
  },
  studentExclusion: {
    label: 'Send exclusions',
    help: 'A learner excluded from a session on Edusign is recorded as excluded in Aimaira when attendance is sent.',
  },
  studentDelay: {
    label: 'Send late arrivals',
    help: 'The lateness Edusign recorded for a learner is written to Aimaira with their attendance.',
  },
  studentEarlyDeparture: {
    label: 'Send early departures',
    help: 'A learner who left before the end, as Edusign recorded it, is written to Aimaira with their attendance.',
  },
  horizonDays: {
    label: 'Days ahead (horizon)',
    help: 'How many calendar days after today the sessions come down (0 to 90; 14 by default). A session further away appears on Edusign once it gets within reach.',
  },
  attendanceLookbackDays: {
    label: 'Days back for attendance',
    help: 'How far back the upward sync looks for locked sheets whose attendance is still to send (1 to 365; 30 by default): sheets locked late or runs missed are caught up.',
  },
  provenancePresence: {
    label: 'Origin written with attendance',
    help: 'The ProvenancePresence value written on the learner rows the upward sync marks. Empty (the default): each row keeps the value it has. A value Aimaira does not list for the field is not used (the preflight shows the values it takes).',
  },
};

const optionsFr: Record<OptionName, OptionText> = {
  sendCredentials: {
    label: 'Envoyer les identifiants de connexion',
    help: 'Quand le connecteur ajoute un apprenant ou un intervenant sur Edusign, Edusign lui envoie par e-mail de quoi se connecter.',
  },
  sendAttendance: {
    label: 'Renvoyer les présences vers Aimaira',
    help: 'Une fois la feuille verrouillée sur Edusign, la présence ou l’absence de chaque apprenant est écrite sur sa ligne de la séance dans Aimaira.',
  },
  structures: {
    label: 'Marques (structures) à synchroniser',
    help: 'Identifiants d’écoles Aimaira (Ecole, la « marque » d’un programme), séparés par des virgules. Seules les séances de ces marques descendent ; vide : toutes les marques.',
  },
  importEvenementsCommuns: {
    label: 'Faire descendre les événements communs',
    help: 'Les événements communs (EVENEMENT : journées portes ouvertes, conférences, ateliers partagés) deviennent eux aussi des feuilles, pas seulement les séances de cours.',
  },
  defaultProfsForEvenementsCommun: {
    label: 'Intervenant par défaut des événements communs',
    help: 'L’identifiant Edusign d’un intervenant qui existe déjà sur Edusign. Une feuille a besoin d’un intervenant et les événements communs en ont rarement : celui-ci y est placé. Vide : les événements communs sans intervenant restent dans Aimaira.',
  },
  importStudentTutors: {
    label: 'Faire descendre les tuteurs',
    help: 'Le tuteur en entreprise de chaque apprenant, pris dans sa convention au statut « complet » dans Aimaira, est ajouté sur Edusign comme suiveur de l’apprenant.',
  },
  planifRealise: {
    label: 'Marquer les séances réalisées',
    help: 'Quand les présences sont envoyées, la séance est aussi marquée Réalisé dans Aimaira. Aimaira en a besoin pour compter les absences ; conseillé avec le renvoi des présences.',
  },
  studentExclusion: {
    label: 'Envoyer les exclusions',
    help: 'Un apprenant exclu d’une séance sur Edusign est enregistré comme exclu dans Aimaira lors de l’envoi des présences.',
  },
  studentDelay: {
    label: 'Envoyer les retards',
    help: 'Le retard qu’Edusign a noté pour un apprenant est écrit dans Aimaira avec sa présence.',
  },
  studentEarlyDeparture: {
    label: 'Envoyer les départs anticipés',
    help: 'Un apprenant parti avant la fin, selon Edusign, est écrit dans Aimaira avec sa présence.',
  },
  horizonDays: {
    label: 'Jours à venir (horizon)',
    help: 'Combien de jours calendaires après aujourd’hui les séances descendent (de 0 à 90 ; 14 par défaut). Une séance plus lointaine apparaît sur Edusign quand elle entre dans cet horizon.',
  },
  attendanceLookbackDays: {
    label: 'Jours en arrière pour les présences',
    help: 'Jusqu’où la synchronisation montante cherche des feuilles verrouillées dont les présences restent à envoyer (de 1 à 365 ; 30 par défaut) : les feuilles verrouillées tard ou les synchronisations manquées sont rattrapées.',
  },
  provenancePresence: {
    label: 'Provenance écrite avec les présences',
    help: 'La valeur de ProvenancePresence écrite sur les lignes d’apprenants que la synchronisation montante marque. Vide (par défaut) : chaque ligne garde sa valeur. Une valeur qu’Aimaira ne liste pas pour ce champ n’est pas utilisée (la pré-vérification montre les valeurs acceptées).',
  },
};

export const optionTexts: Record<Lang, Record<OptionName, OptionText>> = { en: optionsEn, fr: optionsFr };

export function optionText(name: OptionName, lang: Lang): OptionText {
  return optionTexts[lang][name];
}
