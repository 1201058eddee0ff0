/** Alerts to a tenant's people (e-mail) and its webhook, once per change of state: what the service wires. */
export { createAlerter } from './alerter.js';
export type { Alerter, AlerterOptions, AlertErrorContext } from './alerter.js';
export {
  attentionFromEvents,
  attentionOfSkipReasons,
  attentionReasonCodes,
  attentionReasons,
  isAttentionReason,
} from './attention.js';
export type { AttentionReason, RunEventsReader } from './attention.js';
export { decide, defaultFailingAfter, tenantAlertStates } from './decide.js';
export type { Alert, DecideOptions, Decision, TenantAlertState, TenantFacts } from './decide.js';
export { createMailer, defaultSmtpTimeoutMs, MailSendError, smtpSettingsSchema } from './mailer.js';
export type { MailMessage, Mailer, SmtpSettings } from './mailer.js';
export { alertMessage, tenantPageUrl } from './messages.js';
export type { AlertMessage } from './messages.js';
export { createWebhookSender, defaultWebhookTimeoutMs, WebhookError, webhookPayloadSchema } from './webhook.js';
export type { SendWebhook, WebhookOptions, WebhookPayload } from './webhook.js';
