/**
 * A tenant's runs over the last 30 days as a small SVG drawn on the server: one column per Paris day, records
 * written above the axis, errors below it, so a bad day stands out without reading the table. A table with the
 * same figures follows for screen readers (and anyone who would rather read).
 */
import { DateTime } from 'luxon';

import type { Run } from '../store/port.js';
import { errorCount, formatDay, parisDate, parisZone, recordsWritten } from './format.js';
import { html } from './html.js';
import type { SafeHtml } from './html.js';
import type { Lang, Translate } from './i18n.js';

export const chartDays = 30;

export interface ChartDay {
  /** Paris date, `2026-11-30`. */
  date: string;
  written: number;
  errors: number;
  /** Runs that failed or were interrupted. */
  failedRuns: number;
  runs: number;
}

/** The last `chartDays` Paris days up to `now`'s, oldest first, with the runs that started on each. */
export function chartData(runs: readonly Run[], now: number): ChartDay[] {
  const today = DateTime.fromMillis(now, { zone: parisZone }).startOf('day');
  const days: ChartDay[] = [];
  const byDate = new Map<string, ChartDay>();
  for (let i = chartDays - 1; i >= 0; i--) {
    const day = { date: today.minus({ days: i }).toISODate() ?? '', written: 0, errors: 0, failedRuns: 0, runs: 0 };
    days.push(day);
    byDate.set(day.date, day);
  }
  for (const run of runs) {
    const day = byDate.get(parisDate(run.startedAt));
    if (!day) continue;
    day.runs += 1;
    day.written += recordsWritten(run.counts);
    day.errors += errorCount(run.counts);
    if (run.status === 'failed' || run.status === 'interrupted') day.failedRuns += 1;
  }
  return days;
}

const width = 600;
const top = 100;
const bottom = 40;
const axis = 20;

export function renderRunsChart(runs: readonly Run[], context: { now: number; lang: Lang; t: Translate }): SafeHtml {
  const { t, lang } = context;
  const days = chartData(runs, context.now);
  const maxWritten = Math.max(1, ...days.map((day) => day.written));
  // A failed run counts as an error in the chart even when it wrote no error count: nothing was done that day.
  const errorsOf = (day: ChartDay) => day.errors + day.failedRuns;
  const maxErrors = Math.max(1, ...days.map(errorsOf));
  const step = width / days.length;
  const barWidth = Math.max(2, step - 4);
  const height = top + axis + bottom;
  const bars = days.map((day, index) => {
    const x = (index * step + 2).toFixed(1);
    const writtenHeight = (day.written / maxWritten) * (top - 4);
    const errorHeight = (errorsOf(day) / maxErrors) * (bottom - 4);
    const label = t('chartDayLabel', {
      day: formatDay(day.date, lang),
      written: day.written,
      errors: errorsOf(day),
      runs: day.runs,
    });
    return html`<g
      ><title>${label}</title>
      <rect
        class="written"
        x="${x}"
        y="${(top - writtenHeight).toFixed(1)}"
        width="${barWidth.toFixed(1)}"
        height="${writtenHeight.toFixed(1)}"
      ></rect>
      <rect
        class="errors"
        x="${x}"
        y="${top + axis}"
        width="${barWidth.toFixed(1)}"
        height="${errorHeight.toFixed(1)}"
      ></rect>
      ${day.runs === 0 ? html`<rect class="no-run" x="${x}" y="${top - 2}" width="${barWidth.toFixed(1)}" height="2"></rect>` : ''}
    </g>`;
  });
  const tick = (index: number, anchor: 'start' | 'middle' | 'end') => {
    const day = days[index];
    if (!day) return '';
    const x = anchor === 'start' ? 0 : anchor === 'end' ? width : index * step + step / 2;
    return html`<text x="${x.toFixed(1)}" y="${top + 14}" text-anchor="${anchor}">${formatDay(day.date, lang)}</text>`;
  };
  const totals = days.reduce(
    (sum, day) => ({ written: sum.written + day.written, errors: sum.errors + errorsOf(day) }),
    {
      written: 0,
      errors: 0,
    },
  );
  return html`<figure class="chart">
      <svg viewBox="0 0 ${width} ${height}" role="img" aria-labelledby="chart-svg-title chart-svg-desc">
        <title id="chart-svg-title">${t('chartTitle')}</title>
        <desc id="chart-svg-desc">${t('chartSummary', { written: totals.written, errors: totals.errors })}</desc>
        <line class="axis" x1="0" x2="${width}" y1="${top}" y2="${top}"></line>
        <line class="axis" x1="0" x2="${width}" y1="${top + axis}" y2="${top + axis}"></line>
        ${bars} ${tick(0, 'start')}${tick(Math.floor(days.length / 2), 'middle')}${tick(days.length - 1, 'end')}
      </svg>
      <figcaption>
        <span class="key written"></span> ${t('chartWritten', { max: maxWritten })}
        <span class="key errors"></span> ${t('chartErrors', { max: maxErrors })}
        <br />${t('chartSummary', { written: totals.written, errors: totals.errors })}
      </figcaption>
    </figure>
    <details class="chart-table">
      <summary>${t('chartAsTable')}</summary>
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">${t('date')}</th>
              <th scope="col" class="num">${t('runsCount')}</th>
              <th scope="col" class="num">${t('recordsWritten')}</th>
              <th scope="col" class="num">${t('errors')}</th>
            </tr>
          </thead>
          <tbody>
            ${days
              .filter((day) => day.runs > 0)
              .map(
                (day) =>
                  html`<tr>
                    <td>${formatDay(day.date, lang)}</td>
                    <td class="num">${day.runs}</td>
                    <td class="num">${day.written}</td>
                    <td class="num">${errorsOf(day)}</td>
                  </tr>`,
              )}
          </tbody>
        </table>
      </div>
    </details>`;
}
