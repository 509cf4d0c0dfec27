// Global webhook delivery (blnk-contract.md platform §2): POST {"event","data"} to notification.webhook.url,
// signed afresh on every attempt, custom headers last so they may override. 2xx is success.
import { stringifyJson } from '../json.js';
import { describeFailure, postJson } from './outbound-post.js';
import { signatureHeaders, unixSeconds, type SigningKeys } from './signature.js';

export interface WebhookSettings {
  url: string;
  headers: Readonly<Record<string, string>>;
  /** An empty current key: deliveries go unsigned (Blnk's rule; the dispatcher warns at start). */
  keys: SigningKeys;
  timeout_ms: number;
}

export interface WebhookEvent {
  event_id: string;
  event: string;
  payload: unknown;
}

export type AttemptResult = { ok: true } | { ok: false; error: string };

export function webhookBody(event: WebhookEvent): string {
  return stringifyJson({ event: event.event, data: event.payload });
}

export function webhookHeaders(settings: WebhookSettings, event: WebhookEvent, body: string): Headers {
  const headers = new Headers({ 'Content-Type': 'application/json', 'X-Blnk-Delivery-Id': event.event_id });
  if (settings.keys.current) {
    const timestamp = unixSeconds();
    headers.set('X-Blnk-Timestamp', timestamp);
    for (const [name, value] of Object.entries(signatureHeaders(settings.keys, timestamp, body))) headers.set(name, value);
  }
  // Set, not appended: a custom header replaces a signature header of the same name (as in Blnk).
  for (const [name, value] of Object.entries(settings.headers)) headers.set(name, value);
  return headers;
}

export async function deliverWebhook(settings: WebhookSettings, event: WebhookEvent, abort: AbortSignal): Promise<AttemptResult> {
  const body = webhookBody(event);
  try {
    const answer = await postJson(settings.url, body, webhookHeaders(settings, event, body), settings.timeout_ms, abort);
    if (answer.status >= 200 && answer.status < 300) return { ok: true };
    return { ok: false, error: `HTTP ${answer.status}` };
  } catch (error) {
    return { ok: false, error: describeFailure(error) };
  }
}
