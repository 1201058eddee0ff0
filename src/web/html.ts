/**
 * HTML from template literals, escaped by construction: `html` escapes every interpolated value unless it is
 * itself the result of `html` (or of `raw`, kept for the few constant strings that are markup). A page cannot
 * carry a tag or an attribute that came from data.
 */

const escapes: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
};

/** Escapes text for an element's content or a quoted attribute value. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`]/g, (char) => escapes[char] ?? char);
}

/** Markup that is already safe: only `html` and `raw` make one. */
export class SafeHtml {
  readonly #text: string;
  constructor(text: string) {
    this.#text = text;
  }
  toString(): string {
    return this.#text;
  }
}

export type HtmlValue = SafeHtml | string | number | boolean | null | undefined | readonly HtmlValue[];

function render(value: HtmlValue): string {
  if (value instanceof SafeHtml) return value.toString();
  if (value === null || value === undefined || value === false) return '';
  if (Array.isArray(value)) return (value as readonly HtmlValue[]).map(render).join('');
  return escapeHtml(String(value));
}

/** The tag of every page fragment: `html\`<td>${name}</td>\`` escapes `name`. */
export function html(strings: TemplateStringsArray, ...values: readonly HtmlValue[]): SafeHtml {
  let out = strings[0] ?? '';
  values.forEach((value, index) => {
    out += render(value) + (strings[index + 1] ?? '');
  });
  return new SafeHtml(out);
}

/** Constant markup written in this module's code (never data). */
export function raw(markup: string): SafeHtml {
  return new SafeHtml(markup);
}

const emailPattern = /[^\s@<>"'(),;:]+@[^\s@<>"'(),;:]+\.[^\s@<>"'(),;:]+/g;

/**
 * Events carry no e-mails by design; a message quoting an API's answer could still hold one, so every message is
 * passed through this before it reaches a page.
 */
export function redactEmails(text: string): string {
  return text.replace(emailPattern, '[e-mail]');
}
