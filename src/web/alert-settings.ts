/**
 * A tenant's webhook for alerts, checked when a manager saves it, by the same URL policy as the tenants' own URLs
 * (https, a public address; loopback only for the simulators). A query is allowed here, unlike for the APIs'
 * URLs: Teams' and Power Automate's webhook addresses carry their signature in it.
 */
import { UrlPolicyError, checkServiceUrl } from '../service/url-policy.js';
import type { UrlPolicyOptions } from '../service/url-policy.js';

/** Why the URL is refused, in plain words naming the field; undefined when it may be saved. */
export async function webhookUrlProblem(value: string, policy: UrlPolicyOptions = {}): Promise<string | undefined> {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'webhook URL: is not a valid URL';
  }
  const withoutQuery = `${url.protocol}//${url.username || url.password ? `${url.username}:${url.password}@` : ''}${url.host}${url.pathname}`;
  if (url.hash !== '') return 'webhook URL: must not have a fragment';
  try {
    await checkServiceUrl('webhook URL', withoutQuery, policy);
    return undefined;
  } catch (error) {
    if (error instanceof UrlPolicyError) return error.message;
    throw error;
  }
}
