import type { EventDraft } from '../../shared/events.ts';
import type { AlertRow, AlertRuleRow } from './alerts.table.ts';

export interface AlertChangedPayload {
  alertId: string;
  ruleId: string;
  ruleName: string;
  severity: string;
  state: string;
  subjectKind: string;
  subjectName: string;
  clusterName: string | null;
  summary: string;
  inhibitedBy: string | null;
  silenced: boolean;
  acknowledged: boolean;
  /** What changed, e.g. FIRING, RESOLVED, ACKNOWLEDGED, INHIBITED. */
  change: string;
}

export type AlertChangedEvent = EventDraft<'ALERT_CHANGED', AlertChangedPayload>;

export function alertChanged(rule: Pick<AlertRuleRow, 'id' | 'name' | 'severity'>, alert: AlertRow, change: string): AlertChangedEvent {
  return {
    channel: 'alerts',
    type: 'ALERT_CHANGED',
    clusterId: alert.clusterId,
    nodeId: alert.subjectKind === 'NODE' ? alert.subjectId : null,
    payload: {
      alertId: alert.id,
      ruleId: rule.id,
      ruleName: rule.name,
      severity: rule.severity,
      state: alert.state,
      subjectKind: alert.subjectKind,
      subjectName: alert.subjectName,
      clusterName: alert.clusterName,
      summary: alert.summary,
      inhibitedBy: alert.inhibitedBy,
      silenced: alert.silenceId !== null,
      acknowledged: alert.acknowledgedAt !== null,
      change,
    },
  };
}
