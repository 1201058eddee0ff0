/**
 * The dashboard's only stylesheet and script, served at /static: no build step, no inline code (so the
 * Content-Security-Policy can forbid inline scripts and styles). The script does one thing: the live progress of
 * "sync now" over server-sent events; every page works without it.
 */

export const dashboardCss = `
:root {
  --ink: #1a1f36; --muted: #4f566b; --line: #d5d9e2; --bg: #f6f7fb; --card: #ffffff;
  --accent: #1f4fd1; --accent-ink: #ffffff; --ok: #0b6b3a; --ok-bg: #e3f4ea; --warn: #7a4b00; --warn-bg: #fff1d6;
  --bad: #a1161b; --bad-bg: #fde7e8; --info-bg: #e8eefc; --focus: #ffbf47;
  color-scheme: light;
}
* { box-sizing: border-box; }
html { font-size: 100%; }
body { margin: 0; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; line-height: 1.5; color: var(--ink); background: var(--bg); }
a { color: var(--accent); }
a:hover { text-decoration-thickness: 2px; }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; box-shadow: 0 0 0 5px var(--ink); }
.skip { position: absolute; left: -999px; top: 0; background: var(--card); padding: .5rem 1rem; z-index: 10; }
.skip:focus { left: .5rem; top: .5rem; }
.sr-only { position: absolute; width: 1px; height: 1px; margin: -1px; padding: 0; border: 0; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
.top { background: var(--ink); color: #fff; }
.top nav { display: flex; flex-wrap: wrap; align-items: center; gap: .25rem 1rem; max-width: 72rem; margin: 0 auto; padding: .6rem 1rem; }
.top a, .top .link { color: #fff; }
.top .brand { font-weight: 700; text-decoration: none; }
.spacer { flex: 1; }
.crumbs { max-width: 72rem; margin: .75rem auto 0; padding: 0 1rem; font-size: .9rem; }
.crumbs ol { list-style: none; display: flex; flex-wrap: wrap; gap: .25rem; padding: 0; margin: 0; }
.crumbs li + li::before { content: "›"; margin-right: .25rem; color: var(--muted); }
main { max-width: 72rem; margin: 0 auto; padding: 1rem; }
main:focus { outline: none; }
h1 { font-size: 1.6rem; margin: .5rem 0 1rem; overflow-wrap: anywhere; }
h2 { font-size: 1.2rem; margin: 0 0 .75rem; }
h3 { font-size: 1rem; margin: 1rem 0 .5rem; }
section { margin-bottom: 1.5rem; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: .5rem; padding: 1rem; margin-bottom: 1rem; }
.narrow { max-width: 26rem; }
.two { display: grid; grid-template-columns: repeat(auto-fit, minmax(16rem, 1fr)); gap: 1rem; }
.foot { max-width: 72rem; margin: 0 auto; padding: 1rem; color: var(--muted); font-size: .85rem; }
.muted { color: var(--muted); }
.help { color: var(--muted); font-size: .875rem; margin: .25rem 0 0; }
.problem { color: var(--bad); font-weight: 600; font-size: .875rem; margin: .25rem 0 0; }
.notice { padding: .6rem .9rem; border-radius: .4rem; border-left: 4px solid; }
.notice.info { background: var(--info-bg); border-color: var(--accent); }
.notice.ok { background: var(--ok-bg); border-color: var(--ok); }
.notice.error { background: var(--bad-bg); border-color: var(--bad); }
label { display: block; font-weight: 600; margin: .5rem 0 .25rem; }
input[type=text], input[type=password], input[type=search], input[type=number], input[type=date], input:not([type]), select {
  font: inherit; width: 100%; max-width: 100%; padding: .45rem .6rem; border: 1px solid #8a90a3; border-radius: .35rem; background: #fff; color: var(--ink);
}
input[aria-invalid=true] { border-color: var(--bad); border-width: 2px; }
button, .button {
  font: inherit; display: inline-block; padding: .5rem 1rem; margin-top: .75rem; border-radius: .35rem; border: 2px solid var(--accent);
  background: var(--accent); color: var(--accent-ink); cursor: pointer; text-decoration: none; min-height: 2.75rem;
}
button.secondary, .button.secondary { background: #fff; color: var(--accent); }
button.link { background: none; border: none; padding: 0; margin: 0; min-height: 0; text-decoration: underline; }
form.inline { display: inline; }
.actions { display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: center; }
.actions form, .actions .button { margin: 0; }
.actions button { margin: 0; }
.actions form.pause { display: flex; gap: .5rem; align-items: center; }
.actions form.pause input { width: 14rem; margin: 0; }
code.secret { word-break: break-all; user-select: all; }
.filters { display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: flex-end; background: var(--card); border: 1px solid var(--line); border-radius: .5rem; padding: .75rem 1rem; margin-bottom: .75rem; }
.filters .field { flex: 1 1 10rem; min-width: 0; }
.filters .field.grow { flex: 4 1 18rem; }
.filters .buttons { flex: 0 0 auto; }
.filters label { margin-top: 0; }
.table-wrap { position: relative; overflow-x: auto; background: var(--card); border: 1px solid var(--line); border-radius: .5rem; }
table { border-collapse: collapse; width: 100%; font-size: .925rem; }
caption { text-align: left; padding: .6rem .75rem; color: var(--muted); }
th, td { text-align: left; vertical-align: top; padding: .5rem .75rem; border-bottom: 1px solid var(--line); }
thead th { background: #eef0f6; white-space: nowrap; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.level-error td { background: #fff7f7; }
.badge { display: inline-block; padding: .05rem .5rem; border-radius: 1rem; font-size: .8rem; font-weight: 600; border: 1px solid; white-space: nowrap; }
.badge.healthy { color: var(--ok); background: var(--ok-bg); }
.badge.partial { color: var(--warn); background: var(--warn-bg); }
.badge.failing { color: var(--bad); background: var(--bad-bg); }
.badge.paused { color: var(--muted); background: #eceef3; }
.badge.new, .badge.info { color: var(--accent); background: var(--info-bg); }
.warn { color: var(--warn); }
.pager { display: flex; gap: 1rem; align-items: center; margin: .75rem 0; }
.option { margin-bottom: 1rem; max-width: 44rem; }
.option.check { display: grid; grid-template-columns: auto 1fr; column-gap: .6rem; align-items: start; }
.option.check input { margin-top: .8rem; width: 1.2rem; height: 1.2rem; }
.option.check .help, .option.check .problem { grid-column: 2; }
code { font-size: .85em; background: #eef0f6; padding: 0 .25rem; border-radius: .2rem; overflow-wrap: anywhere; }
.facts { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; }
.facts dt { font-weight: 600; }
.facts dd { margin: 0; overflow-wrap: anywhere; }
.verdict { font-size: 1.1rem; padding: .5rem .75rem; border-radius: .4rem; }
.verdict.yes { background: var(--ok-bg); color: var(--ok); }
.verdict.no { background: var(--bad-bg); color: var(--bad); }
.reasons li, .checks li { margin-bottom: .4rem; }
.checks { list-style: none; padding: 0; }
.checks .ok strong { color: var(--ok); }
.checks .error strong { color: var(--bad); }
.chart { margin: 0; }
.chart svg { width: 100%; height: auto; max-height: 14rem; display: block; }
.chart .written { fill: var(--accent); }
.chart .errors { fill: var(--bad); }
.chart .no-run { fill: var(--line); }
.chart .axis { stroke: var(--muted); stroke-width: 1; }
.chart text { font-size: 11px; fill: var(--muted); }
.chart figcaption { font-size: .875rem; color: var(--muted); margin-top: .5rem; }
.key { display: inline-block; width: .8rem; height: .8rem; vertical-align: middle; border-radius: .15rem; }
.key.written { background: var(--accent); }
.key.errors { background: var(--bad); margin-left: .75rem; }
progress { width: 100%; height: 1.25rem; }
@media (max-width: 40rem) {
  h1 { font-size: 1.3rem; }
  main { padding: .75rem; }
  .filters .field, .filters .field.grow { flex: 1 1 100%; }
  th, td { padding: .4rem .5rem; }
  .facts { grid-template-columns: 1fr; }
}
`;

export const dashboardJs = `
// Live progress of "sync now" over server-sent events; without this script the page still shows the summary on reload.
(function () {
  'use strict';
  var box = document.querySelector('[data-sync-events]');
  if (!box || typeof EventSource === 'undefined') return;
  var bar = document.getElementById('sync-progress');
  var status = document.getElementById('sync-status');
  var fill = function (template, progress) {
    return template.replace('{done}', String(progress.done)).replace('{total}', String(progress.total));
  };
  var source = new EventSource(box.getAttribute('data-sync-events'));
  source.addEventListener('progress', function (event) {
    var progress = JSON.parse(event.data);
    var down = progress.direction === 'down';
    if (progress.stage === 'finished') {
      bar.max = 1;
      bar.value = 1;
      status.textContent = box.getAttribute(down ? 'data-label-down-done' : 'data-label-up-done') || '';
    } else if (progress.total > 0) {
      bar.max = progress.total;
      bar.value = progress.done;
      status.textContent = fill(box.getAttribute(down ? 'data-label-down' : 'data-label-up') || '', progress);
    } else {
      bar.removeAttribute('value');
      status.textContent = box.getAttribute(down ? 'data-label-reading' : 'data-label-reading-up') || '';
    }
  });
  source.addEventListener('done', function () {
    source.close();
    window.location.reload();
  });
  source.onerror = function () {
    // The sync ended or the service restarted: the page itself says where it stands.
    source.close();
    window.setTimeout(function () { window.location.reload(); }, 1000);
  };
})();
`;
