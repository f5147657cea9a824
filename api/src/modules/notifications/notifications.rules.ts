import { Webhook } from 'standardwebhooks';
import { validateText, validateUrl } from '../../shared/validation.ts';
import { InvalidChannelError } from './notifications.errors.ts';
import { isForbiddenAddress } from './notifications.outbound.ts';
import type { ChannelKind, ChannelSettings } from './notifications.table.ts';

/** A channel as a client sends it; secrets are write-only: given, they replace the stored one; left out, it stays. */
export interface ChannelInput {
  name: string;
  kind: ChannelKind;
  url?: string | null;
  secret?: string | null;
  smtpHost?: string | null;
  smtpPort?: number | null;
  smtpSecure?: boolean | null;
  smtpUser?: string | null;
  from?: string | null;
  to?: readonly string[] | null;
  maxAttempts?: number | null;
  enabled?: boolean | null;
}

const EMAIL = /^[^\s@<>",;]+@[^\s@<>",;]+$/;
const MAX_RECIPIENTS = 20;
export const MAX_ATTEMPTS_LIMIT = 100;

/** An http(s) URL the OC will POST to: never to a link-local, multicast or unspecified address. */
function receiverUrl(value: string, field: string): string {
  const url = validateUrl(value, field);
  if (isForbiddenAddress(new URL(url).hostname))
    throw new InvalidChannelError(`The ${field} points at a link-local, multicast or unspecified address, where no notification may go.`, field);
  return url;
}

function address(value: string, field: string): string {
  const trimmed = validateText(value.trim(), field, 254);
  if (!EMAIL.test(trimmed)) throw new InvalidChannelError(`"${trimmed.slice(0, 60)}" is not an e-mail address.`, field);
  return trimmed;
}

/** A Standard Webhooks signing secret: whsec_ and the base64 of at least 24 random bytes. */
export function checkSigningSecret(secret: string): string {
  if (!/^whsec_[A-Za-z0-9+/]+={0,2}$/.test(secret) || Buffer.from(secret.slice(6), 'base64').length < 24)
    throw new InvalidChannelError('The secret must be a Standard Webhooks secret: whsec_ followed by the base64 of at least 24 random bytes.', 'secret');
  new Webhook(secret);
  return secret;
}

/**
 * Checks a channel and splits it into what may be shown and its secret. `secretStored` says
 * whether an existing channel already has one, so an update may leave it out.
 */
export function channelValues(input: ChannelInput, secretStored: boolean): { settings: ChannelSettings; secret: string | null | undefined } {
  const needSecret = (what: string) => {
    if (!input.secret && !secretStored) throw new InvalidChannelError(`A ${input.kind} channel needs ${what} (secret).`, 'secret');
  };
  switch (input.kind) {
    case 'WEBHOOK':
    case 'EVENT_EXPORT': {
      if (!input.url) throw new InvalidChannelError(`A ${input.kind} channel needs a url.`, 'url');
      needSecret('a signing secret');
      return { settings: { url: receiverUrl(input.url, 'url') }, secret: input.secret ? checkSigningSecret(input.secret) : undefined };
    }
    case 'SLACK': {
      const url = input.secret ? receiverUrl(input.secret, 'secret') : undefined;
      needSecret('its incoming-webhook URL');
      if (input.url) throw new InvalidChannelError('A SLACK channel’s webhook URL is its credential: give it as secret, not url.', 'url');
      return { settings: url ? { host: new URL(url).host } : {}, secret: url };
    }
    case 'EMAIL': {
      if (!input.smtpHost) throw new InvalidChannelError('An EMAIL channel needs smtpHost.', 'smtpHost');
      const port = input.smtpPort ?? 587;
      if (!Number.isInteger(port) || port < 1 || port > 65535) throw new InvalidChannelError('smtpPort must be a port number from 1 to 65535.', 'smtpPort');
      if (!input.from) throw new InvalidChannelError('An EMAIL channel needs a from address.', 'from');
      const to = [...new Set((input.to ?? []).map((recipient) => address(recipient, 'to')))];
      if (to.length === 0 || to.length > MAX_RECIPIENTS) throw new InvalidChannelError(`Give from 1 to ${MAX_RECIPIENTS} recipients (to).`, 'to');
      if (input.url) throw new InvalidChannelError('An EMAIL channel takes no url.', 'url');
      if (isForbiddenAddress(input.smtpHost))
        throw new InvalidChannelError('smtpHost is a link-local, multicast or unspecified address, where no notification may go.', 'smtpHost');
      return {
        settings: {
          smtpHost: validateText(input.smtpHost, 'smtpHost', 253),
          smtpPort: port,
          smtpSecure: input.smtpSecure ?? port === 465,
          smtpUser: input.smtpUser ? validateText(input.smtpUser, 'smtpUser', 254) : null,
          from: address(input.from, 'from'),
          to,
        },
        secret: input.secret ? validateText(input.secret, 'secret', 1000) : undefined,
      };
    }
  }
}

export function checkMaxAttempts(value: number): number {
  if (!Number.isInteger(value) || value < 1 || value > MAX_ATTEMPTS_LIMIT)
    throw new InvalidChannelError(`maxAttempts must be a whole number from 1 to ${MAX_ATTEMPTS_LIMIT}.`, 'maxAttempts');
  return value;
}

/** Exponential back-off with jitter: about base·2ⁿ⁻¹, capped, shortened by up to a fifth so retries spread out. */
export function backoffMs(attempt: number, baseMs: number, capMs: number, random: () => number = Math.random): number {
  const full = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(full * (1 - 0.2 * random()));
}
