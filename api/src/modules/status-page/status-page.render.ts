import type { ComponentCondition, ComponentState } from './status-page.rules.ts';
import type { DayBar, PublicStatusPage } from './status-page.service.ts';
import type { StatusIncidentState } from './status-page.table.ts';

/*
 * The public page as one HTML document: no script, one inline style sheet (allowed by its hash in the
 * page's Content-Security-Policy, so no style attribute is used), every piece of text escaped.
 */

export const STATUS_PAGE_STYLE = `
:root{color-scheme:light;--ok:#2f9e5a;--minor:#e0a020;--major:#d64545;--none:#d5d9de;--unknown:#8a94a0;--text:#1f2933;--muted:#616e7c;--line:#e4e7eb}
*{box-sizing:border-box}
body{margin:0;background:#f5f7fa;color:var(--text);font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
main{max-width:860px;margin:0 auto;padding:32px 20px 48px}
h1{font-size:28px;margin:0 0 4px}
h2{font-size:18px;margin:32px 0 12px}
h3{font-size:16px;margin:0}
p{margin:0}
.lead{color:var(--muted);white-space:pre-line}
.banner{margin-top:24px;padding:14px 18px;border-radius:8px;color:#fff;font-weight:600;font-size:17px}
.banner.OPERATIONAL{background:var(--ok)}.banner.DEGRADED{background:var(--minor)}.banner.PARTIAL_OUTAGE{background:#e07020}
.banner.MAJOR_OUTAGE{background:var(--major)}.banner.UNKNOWN,.banner.EMPTY{background:var(--unknown)}
.panel{background:#fff;border:1px solid var(--line);border-radius:8px}
.components{list-style:none;margin:0;padding:0}
.component{padding:16px 18px;border-top:1px solid var(--line)}
.component:first-child{border-top:0}
.row{display:flex;justify-content:space-between;align-items:baseline;gap:12px}
.state{font-weight:600;font-size:14px;white-space:nowrap}
.state.OPERATIONAL{color:var(--ok)}.state.DEGRADED{color:#b7791f}.state.PARTIAL_OUTAGE{color:#c05621}
.state.MAJOR_OUTAGE{color:var(--major)}.state.UNKNOWN{color:var(--unknown)}
.bars{display:flex;gap:2px;list-style:none;margin:12px 0 4px;padding:0;height:34px}
.bar{flex:1 1 0;min-width:2px;border-radius:2px;background:var(--none)}
.bar.ok{background:var(--ok)}.bar.minor{background:var(--minor)}.bar.major{background:var(--major)}
.axis{display:flex;justify-content:space-between;color:var(--muted);font-size:12px}
.incident{padding:16px 18px;border-top:1px solid var(--line)}
.incident:first-child{border-top:0}
.meta{color:var(--muted);font-size:13px;margin-top:2px}
.updates{list-style:none;margin:10px 0 0;padding:0}
.updates li{margin-top:8px}
.updates .what{font-weight:600}
.updates .message{white-space:pre-line}
.badge{display:inline-block;margin-left:8px;padding:0 8px;border-radius:999px;font-size:12px;font-weight:600;background:#fde8e8;color:var(--major)}
.badge.RESOLVED{background:#e3f4ea;color:var(--ok)}.badge.MONITORING{background:#fdf3dc;color:#8d5e0b}
.none{padding:16px 18px;color:var(--muted)}
footer{margin-top:32px;color:var(--muted);font-size:12px}
`;

const STATE_LABELS: Record<ComponentState, string> = {
  OPERATIONAL: 'Operational',
  DEGRADED: 'Degraded performance',
  PARTIAL_OUTAGE: 'Partial outage',
  MAJOR_OUTAGE: 'Major outage',
  UNKNOWN: 'Unknown',
};

const BANNERS: Record<ComponentState, string> = {
  OPERATIONAL: 'All systems operational',
  DEGRADED: 'Some systems are degraded',
  PARTIAL_OUTAGE: 'Partial outage',
  MAJOR_OUTAGE: 'Major outage',
  UNKNOWN: 'The state of some systems is unknown',
};

/** Worst first: the banner says the worst state of any component. */
const SEVERITY: ComponentState[] = ['MAJOR_OUTAGE', 'PARTIAL_OUTAGE', 'DEGRADED', 'UNKNOWN', 'OPERATIONAL'];

const INCIDENT_LABELS: Record<StatusIncidentState, string> = {
  INVESTIGATING: 'Investigating',
  IDENTIFIED: 'Identified',
  MONITORING: 'Monitoring',
  RESOLVED: 'Resolved',
};

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => ESCAPES[character]);
}

function time(at: Date): string {
  return `<time datetime="${at.toISOString()}">${at.toISOString().slice(0, 16).replace('T', ' ')} UTC</time>`;
}

function percent(value: number): string {
  // Two decimals, never rounded up to 100: a day with any downtime must not read as a perfect one.
  return `${(Math.floor(value * 100) / 100).toFixed(2)}%`;
}

function stateLabel(condition: ComponentCondition): string {
  return condition.underMaintenance ? 'Operational, under maintenance' : STATE_LABELS[condition.state];
}

function bar(day: DayBar): string {
  const date = day.day.toISOString().slice(0, 10);
  if (day.percent === null) return `<li class="bar" title="${date}: no data"></li>`;
  const level = day.percent >= 100 ? 'ok' : day.percent >= 99 ? 'minor' : 'major';
  return `<li class="bar ${level}" title="${date}: ${percent(day.percent)} available"></li>`;
}

/** Availability over the days shown, each day weighted by the time measured in it. */
function overall(days: DayBar[]): string {
  const measured = days.reduce((sum, day) => sum + (day.percent === null ? 0 : day.measuredMs), 0);
  if (measured === 0) return 'no data yet';
  return `${percent(days.reduce((sum, day) => sum + (day.percent === null ? 0 : day.percent * day.measuredMs), 0) / measured)} available`;
}

function components(page: PublicStatusPage): string {
  if (page.components.length === 0) return '<div class="panel"><p class="none">No components are published yet.</p></div>';
  const items = page.components.map(
    (component) => `<li class="component" data-state="${component.condition.state}">
<div class="row"><h3>${escapeHtml(component.name)}</h3><span class="state ${component.condition.state}">${stateLabel(component.condition)}</span></div>
<ol class="bars" aria-label="Daily availability over the last ${component.days.length} days">${component.days.map(bar).join('')}</ol>
<div class="axis"><span>${component.days.length} days ago</span><span>${overall(component.days)}</span><span>Today</span></div>
</li>`,
  );
  return `<div class="panel"><ul class="components">${items.join('\n')}</ul></div>`;
}

function incidents(page: PublicStatusPage): string {
  if (page.incidents.length === 0) return '<div class="panel"><p class="none">No incidents in the last 14 days.</p></div>';
  const items = page.incidents.map((incident) => {
    const affected = incident.components.length ? ` · Affects ${incident.components.map(escapeHtml).join(', ')}` : '';
    const updates = incident.updates.map(
      (update) =>
        `<li><span class="what">${INCIDENT_LABELS[update.state]}</span> · ${time(update.at)}<div class="message">${escapeHtml(update.message)}</div></li>`,
    );
    return `<article class="incident" data-state="${incident.state}">
<h3>${escapeHtml(incident.title)}<span class="badge ${incident.state}">${INCIDENT_LABELS[incident.state]}</span></h3>
<p class="meta">Since ${time(incident.createdAt)}${incident.resolvedAt ? `, resolved ${time(incident.resolvedAt)}` : ''}${affected}</p>
<ol class="updates">${updates.join('\n')}</ol>
</article>`;
  });
  return `<div class="panel">${items.join('\n')}</div>`;
}

/** The whole page. Only what PublicStatusPage carries can appear in it. */
export function renderStatusPage(page: PublicStatusPage): string {
  const worst = SEVERITY.find((state) => page.components.some((component) => component.condition.state === state));
  const banner = worst ? `<p class="banner ${worst}">${BANNERS[worst]}</p>` : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(page.title)}</title>
<style>${STATUS_PAGE_STYLE}</style>
</head>
<body>
<main>
<header><h1>${escapeHtml(page.title)}</h1>${page.description ? `<p class="lead">${escapeHtml(page.description)}</p>` : ''}</header>
${banner}
<section aria-labelledby="components"><h2 id="components">Components</h2>${components(page)}</section>
<section aria-labelledby="incidents"><h2 id="incidents">Incidents</h2>${incidents(page)}</section>
<footer>Planned maintenance counts as available time. Days are UTC; today is the last bar.</footer>
</main>
</body>
</html>
`;
}
