import nodemailer from 'nodemailer';
import { Webhook } from 'standardwebhooks';
import { refusedDestination } from './notifications.outbound.ts';
import type { ChannelRow } from './notifications.table.ts';
import type { NotificationMessage } from './notifications.types.ts';

/** How one attempt went: a failure carries what the receiver said (or why it said nothing), for the attempt log. */
export interface SendResult {
  succeeded: boolean;
  outcome: string;
}

export interface Delivery {
  /** The outbox id: the stable id receivers drop duplicates by. */
  id: string;
  createdAt: Date;
  message: NotificationMessage;
}

/** The longest one attempt may take; a claim on a notification outlasts it (see NotificationsService). */
export const SEND_TIMEOUT_MS = 10_000;

/** The JSON body of a webhook: the same bytes on every attempt, so a signature check and a duplicate check agree. */
export function webhookBody(delivery: Delivery): string {
  const { type, title, text, data } = delivery.message;
  return JSON.stringify({ id: delivery.id, type, timestamp: delivery.createdAt.toISOString(), title, text, data });
}

function failureOf(error: unknown): string {
  const cause = (error as { cause?: { code?: string } }).cause;
  if ((error as Error).name === 'TimeoutError' || (error as Error).name === 'AbortError') return `no answer within ${SEND_TIMEOUT_MS / 1000} s`;
  const code = cause?.code ?? (error as { code?: string }).code;
  return code ? `could not connect (${code})` : `could not send (${(error as Error).message.slice(0, 200)})`;
}

async function post(url: string, body: string, headers: Record<string, string>): Promise<SendResult> {
  // A plain controller and timer: AbortSignal.timeout() makes a transferable signal, which costs
  // more than the rest of the send to a local receiver.
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new DOMException('no answer', 'TimeoutError')), SEND_TIMEOUT_MS);
  try {
    const refused = await refusedDestination(new URL(url).hostname);
    if (refused) return { succeeded: false, outcome: refused };
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'OperationsCenter', ...headers },
      body,
      redirect: 'manual',
      signal: controller.signal,
    });
    await response.body?.cancel();
    return { succeeded: response.status >= 200 && response.status < 300, outcome: `HTTP ${response.status}` };
  } catch (error) {
    return { succeeded: false, outcome: failureOf(error) };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A Standard Webhooks POST: webhook-id is the outbox id, and the signature covers id, timestamp
 * and body. The timestamp is the real time of this attempt, because receivers compare it with
 * their own clock to refuse replays.
 */
function sendWebhook(channel: ChannelRow, delivery: Delivery, now: Date): Promise<SendResult> {
  const body = webhookBody(delivery);
  const headers: Record<string, string> = { 'webhook-id': delivery.id, 'webhook-timestamp': String(Math.floor(now.getTime() / 1000)) };
  if (channel.secret) headers['webhook-signature'] = new Webhook(channel.secret).sign(delivery.id, now, body);
  return post(channel.settings.url as string, body, headers);
}

function sendSlack(channel: ChannelRow, delivery: Delivery): Promise<SendResult> {
  const { title, text } = delivery.message;
  return post(channel.secret as string, JSON.stringify({ text: `*${title}*\n${text}` }), {});
}

async function sendEmail(channel: ChannelRow, delivery: Delivery): Promise<SendResult> {
  const settings = channel.settings;
  const refused = await refusedDestination(settings.smtpHost as string);
  if (refused) return { succeeded: false, outcome: refused };
  const transport = nodemailer.createTransport({
    host: settings.smtpHost,
    port: settings.smtpPort,
    secure: settings.smtpSecure ?? false,
    auth: settings.smtpUser ? { user: settings.smtpUser, pass: channel.secret ?? '' } : undefined,
    connectionTimeout: SEND_TIMEOUT_MS,
    greetingTimeout: SEND_TIMEOUT_MS,
    socketTimeout: SEND_TIMEOUT_MS,
  });
  try {
    const info = await transport.sendMail({
      from: settings.from,
      to: settings.to,
      subject: delivery.message.title,
      text: delivery.message.text,
      // The outbox id, so a mail client (or a script) can tell a retried message from a new one.
      messageId: `<${delivery.id}@operations-center>`,
      headers: { 'X-OpsCenter-Notification-Id': delivery.id, 'X-OpsCenter-Type': delivery.message.type },
    });
    return { succeeded: true, outcome: String(info.response).slice(0, 200) };
  } catch (error) {
    const response = (error as { response?: string }).response;
    return { succeeded: false, outcome: response ? String(response).slice(0, 200) : failureOf(error) };
  } finally {
    transport.close();
  }
}

/** Sends one notification over its channel; never rejects: whatever goes wrong is a failed attempt. */
export async function send(channel: ChannelRow, delivery: Delivery, now: Date = new Date()): Promise<SendResult> {
  try {
    switch (channel.kind) {
      case 'WEBHOOK':
      case 'EVENT_EXPORT':
        return await sendWebhook(channel, delivery, now);
      case 'SLACK':
        return await sendSlack(channel, delivery);
      case 'EMAIL':
        return await sendEmail(channel, delivery);
    }
  } catch (error) {
    return { succeeded: false, outcome: failureOf(error) };
  }
}
