import { describe, expect, it } from 'vitest';

import { escapeHtml, html, raw, redactEmails } from './html.js';

// The same tag under another name: Prettier formats the markup of `html` templates, and these tests compare exact text.
const tag = html;

describe('html', () => {
  it('escapes every character that could open a tag, an attribute or an entity', () => {
    expect(escapeHtml(`<a href="x" onclick='y'>&\``)).toBe(
      '&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&#96;',
    );
  });

  it('escapes every interpolated value, in content and in attributes', () => {
    const name = '"><script>alert(1)</script>';
    const page = tag`<input value="${name}"><p>${name}</p>`.toString();
    expect(page).not.toContain('<script>');
    expect(page).toBe(
      '<input value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"><p>&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;</p>',
    );
  });

  it('keeps nested fragments as markup, escapes arrays item by item, and drops null, undefined and false', () => {
    const items = ['a<b', 'c&d'];
    const list = tag`<ul>${items.map((item) => tag`<li>${item}</li>`)}</ul>`;
    expect(tag`<div>${list}${null}${undefined}${false}${0}</div>`.toString()).toBe(
      '<div><ul><li>a&lt;b</li><li>c&amp;d</li></ul>0</div>',
    );
    expect(tag`${['<x>', raw('<br>')]}`.toString()).toBe('&lt;x&gt;<br>');
  });

  it('does not treat a string that looks like markup as markup', () => {
    const fake = { toString: () => '<b>' } as unknown as string;
    expect(tag`${fake}`.toString()).toBe('&lt;b&gt;');
  });

  it('hides e-mail addresses in messages', () => {
    expect(redactEmails('Edusign said: jeanne.dupont@example.fr is already used by <x@y.z>')).toBe(
      'Edusign said: [e-mail] is already used by <[e-mail]>',
    );
    expect(redactEmails('sheet "BTS 1A" created with 12 learners')).toBe('sheet "BTS 1A" created with 12 learners');
  });
});
