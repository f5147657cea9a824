import type { graphql } from '$lib/graphql/graphql';
import type { AlertView, SilenceInput } from './alerts.graphql';

export type AlertSeverity = ReturnType<typeof graphql.scalar<'AlertSeverity'>>;
export type AlertState = ReturnType<typeof graphql.scalar<'AlertState'>>;
export type NotificationChannelKind = ReturnType<typeof graphql.scalar<'NotificationChannelKind'>>;
export type SilenceMatcher = SilenceInput['matchers'][number];

export const SEVERITIES: AlertSeverity[] = ['CRITICAL', 'WARNING', 'INFO'];

export const SEVERITY_LABELS: Record<AlertSeverity, string> = { CRITICAL: 'Critical', WARNING: 'Warning', INFO: 'Info' };

export const ALERT_STATE_LABELS: Record<AlertState, string> = { PENDING: 'Pending', FIRING: 'Firing', RESOLVED: 'Resolved' };

export const CHANNEL_KIND_LABELS: Record<NotificationChannelKind, string> = {
  WEBHOOK: 'Webhook',
  SLACK: 'Slack',
  EMAIL: 'E-mail',
  EVENT_EXPORT: 'Event export',
};

/** Where the subject has a page of its own; operations and schedule runs are reached by id. */
export function subjectHref(alert: Pick<AlertView, 'subjectKind' | 'subjectId'>): string | null {
  if (alert.subjectKind === 'NODE') return `/nodes/${alert.subjectId}`;
  if (alert.subjectKind === 'CLUSTER') return `/clusters/${alert.subjectId}`;
  if (alert.subjectKind === 'OPERATION') return `/operations/${alert.subjectId}`;
  return null;
}

/** A silence for just this alert: its rule and its subject, the labels the OC gives every alert. */
export function matchersFor(alert: Pick<AlertView, 'labels'>): SilenceMatcher[] {
  return ['alertname', 'cluster', 'node']
    .filter((label) => typeof alert.labels[label] === 'string')
    .map((label) => ({ label, value: String(alert.labels[label]), regex: false }));
}
