/** What a notification says, stored whole so that every attempt sends the same bytes. */
export interface NotificationMessage {
  /** e.g. alert.firing, alert.resolved, test, events. */
  type: string;
  title: string;
  text: string;
  data: Record<string, unknown>;
}
