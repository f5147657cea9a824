import { describe, expect, it } from 'vitest';
import type { NodeStatus } from '../../api/src/modules/liveness/liveness.types.ts';
import { escapeHtml, renderStatusPage } from '../../api/src/modules/status-page/status-page.render.ts';
import { componentCondition, startOfDay } from '../../api/src/modules/status-page/status-page.rules.ts';

const counts = (entries: Partial<Record<NodeStatus, number>>) => new Map(Object.entries(entries) as [NodeStatus, number][]);

describe('a status page component’s state', () => {
  it.each([
    [{}, 'UNKNOWN', false],
    [{ UNKNOWN: 3 }, 'UNKNOWN', false],
    [{ UP: 3 }, 'OPERATIONAL', false],
    [{ UP: 2, MAINTENANCE: 1 }, 'OPERATIONAL', true],
    [{ MAINTENANCE: 2 }, 'OPERATIONAL', true],
    [{ UP: 2, SUSPECT: 1 }, 'DEGRADED', false],
    [{ UP: 2, UNKNOWN: 1 }, 'DEGRADED', false],
    [{ UP: 3, DOWN: 1 }, 'PARTIAL_OUTAGE', false],
    [{ UP: 1, DOWN: 1 }, 'MAJOR_OUTAGE', false],
    [{ DOWN: 2, UNKNOWN: 5 }, 'MAJOR_OUTAGE', false],
  ] as const)('%o is %s', (given, state, underMaintenance) => {
    expect(componentCondition(counts(given))).toEqual({ state, underMaintenance });
  });

  it('starts days at midnight UTC', () => {
    expect(startOfDay(new Date('2026-03-04T23:59:59.999Z')).toISOString()).toBe('2026-03-04T00:00:00.000Z');
  });
});

describe('the rendered page', () => {
  it('escapes every text and runs nothing', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
    const html = renderStatusPage({
      title: '<script>alert(1)</script>',
      description: null,
      components: [
        {
          name: '"><img src=x onerror=alert(1)>',
          condition: { state: 'OPERATIONAL', underMaintenance: true },
          days: [{ day: new Date('2026-01-01T00:00:00Z'), percent: 99.999, measuredMs: 1000 }],
        },
      ],
      incidents: [
        {
          title: '<b>x</b>',
          state: 'MONITORING',
          createdAt: new Date(0),
          resolvedAt: null,
          components: ['<i>'],
          updates: [{ at: new Date(0), state: 'MONITORING', message: '</li>' }],
        },
      ],
    });
    expect(html).not.toMatch(/<script|<img|<b>|<i>|<\/li><\/li>/);
    expect(html).toContain('Operational, under maintenance');
    // Never rounded up to a perfect day.
    expect(html).toContain('title="2026-01-01: 99.99% available"');
  });
});
