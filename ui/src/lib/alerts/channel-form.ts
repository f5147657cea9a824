import type { FormResult } from '$lib/operations/strategy-form';
import type { NotificationChannelKind } from './alert-labels';
import type { NotificationChannelInput, NotificationChannelView } from './alerts.graphql';

/** The channel form as typed. The secret is write-only: empty keeps the stored one. */
export interface ChannelForm {
  name: string;
  kind: NotificationChannelKind;
  enabled: boolean;
  url: string;
  secret: string;
  smtpHost: string;
  smtpPort: string;
  smtpSecure: boolean;
  smtpUser: string;
  from: string;
  /** Comma-separated. */
  to: string;
  /** Empty for the OC's default. */
  maxAttempts: string;
}

export function emptyChannelForm(): ChannelForm {
  return {
    name: '',
    kind: 'WEBHOOK',
    enabled: true,
    url: '',
    secret: '',
    smtpHost: '',
    smtpPort: '587',
    smtpSecure: false,
    smtpUser: '',
    from: '',
    to: '',
    maxAttempts: '',
  };
}

/** The OC never returns secrets: that field starts empty, and left empty keeps the stored one. */
export function channelFormOf(channel: NotificationChannelView): ChannelForm {
  return {
    ...emptyChannelForm(),
    name: channel.name,
    kind: channel.kind,
    enabled: channel.enabled,
    url: channel.url ?? '',
    smtpHost: channel.smtpHost ?? '',
    smtpPort: channel.smtpPort ? String(channel.smtpPort) : '587',
    smtpSecure: channel.smtpSecure ?? false,
    smtpUser: channel.smtpUser ?? '',
    from: channel.from ?? '',
    to: (channel.to ?? []).join(', '),
    maxAttempts: String(channel.maxAttempts),
  };
}

export function channelInputFromForm(form: ChannelForm): FormResult<NotificationChannelInput> {
  const errors: Record<string, string> = {};
  if (!form.name.trim()) errors.name = 'Give the channel a name.';
  const maxAttempts = form.maxAttempts.trim() === '' ? undefined : Number(form.maxAttempts.trim());
  if (maxAttempts !== undefined && !Number.isInteger(maxAttempts)) errors.maxAttempts = 'Enter a whole number.';
  const input: NotificationChannelInput = { name: form.name.trim(), kind: form.kind, enabled: form.enabled, maxAttempts };
  // Left out, the stored secret stays.
  if (form.secret.trim()) input.secret = form.secret.trim();
  if (form.kind === 'WEBHOOK' || form.kind === 'EVENT_EXPORT') input.url = form.url.trim();
  if (form.kind === 'EMAIL') {
    const port = Number(form.smtpPort.trim());
    if (!Number.isInteger(port)) errors.smtpPort = 'Enter a port number.';
    Object.assign(input, {
      smtpHost: form.smtpHost.trim(),
      smtpPort: port,
      smtpSecure: form.smtpSecure,
      smtpUser: form.smtpUser.trim() || undefined,
      from: form.from.trim(),
      to: form.to
        .split(',')
        .map((address) => address.trim())
        .filter(Boolean),
    });
  }
  return Object.keys(errors).length ? { value: null, errors } : { value: input, errors: null };
}

/** A Standard Webhooks signing secret, made in the browser so that it travels only to the OC and the receiver. */
export function generateWebhookSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return `whsec_${btoa(String.fromCharCode(...bytes))}`;
}
