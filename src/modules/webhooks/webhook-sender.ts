// Standard Webhooks requests to one endpoint: sign, POST, classify the answer. Through an
// undici Client per endpoint: one kept-alive connection on which up to `pipelining`
// requests are in flight at once, written in the order send() is called and answered in
// that order (HTTP/1.1 pipelining), so events reach the receiver in id order without a
// round trip between them. Waiting for each answer before the next request capped one
// endpoint at one event per round trip of the API's busy event loop (~1,000/s under
// intake load, against ~4,500 events/s produced; docs/PERFORMANCE.md).
//
// undici never follows redirects here (a 3xx is a failed attempt); connecting, the answer's
// head and each wait for its body have a deadline (10 s by default), and at most RESPONSE_BODY_LIMIT bytes
// of an answer are kept for the delivery log. Every new connection goes to an address the
// SSRF guard checked at that moment (connect() resolves and checks, then dials exactly
// those addresses), so DNS cannot change between check and connect; a kept-alive
// connection stays with the address checked when it opened, and closes after IDLE_SOCKET_MS
// idle, below the usual 5 s keep-alive of servers, so a socket is rarely reused just as the
// receiver closes it.
import { createHmac } from "node:crypto";
import type { LookupFunction } from "node:net";
import { buildConnector, Client } from "undici";
import {
  hostOf,
  parseWebhookUrl,
  type ResolvedAddress,
  type Resolver,
  resolveSafely,
  systemResolver,
} from "./webhook-url-guard.js";

/** Kept from the receiver's answer, for the delivery log's `error`. */
const RESPONSE_BODY_LIMIT = 4096;

/** How long an idle kept-alive connection to a receiver stays open. */
const IDLE_SOCKET_MS = 4_000;

export type WebhookMessage = {
  /** webhook-id: the event id, the same on every attempt. */
  id: string;
  /** The JSON body, exactly as signed. */
  body: string;
};

export type SendResult = {
  /** Null when no HTTP answer came (refused, reset, timed out, refused by the guard). */
  status: number | null;
  durationMs: number;
  /** What went wrong, for the log: the transport error, or the start of a non-2xx answer. */
  error: string | null;
  retryAfter: string | undefined;
};

export type SenderOptions = {
  timeoutMs: number;
  allowPrivateUrls: boolean;
  /** Requests in flight at once on the endpoint's connection (1: each waits for the answer before). */
  pipelining: number;
  resolve?: Resolver;
};

/** v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}"> keyed with the bytes after whsec_, base64-decoded. */
export function signature(secret: string, id: string, timestamp: number, body: string): string {
  const key = Buffer.from(secret.replace(/^whsec_/, ""), "base64");
  return `v1,${createHmac("sha256", key).update(`${id}.${timestamp}.${body}`).digest("base64")}`;
}

/** A failed result without a request (the URL is not acceptable any more). */
const refused = (error: unknown): SendResult => ({
  status: null,
  durationMs: 0,
  error: error instanceof Error ? error.message : String(error),
  retryAfter: undefined,
});

/** The connection (and its queue of pipelined requests) to one endpoint's URL. */
export class WebhookSender {
  private readonly url: URL | null;
  private readonly client: Client | null;
  private readonly invalid: SendResult | null = null;

  constructor(
    readonly rawUrl: string,
    private readonly options: SenderOptions,
  ) {
    let url: URL | null = null;
    try {
      url = parseWebhookUrl(rawUrl);
    } catch (error) {
      this.invalid = refused(error);
    }
    this.url = url;
    this.client = url
      ? new Client(url.origin, {
          pipelining: Math.max(1, options.pipelining),
          keepAliveTimeout: IDLE_SOCKET_MS,
          keepAliveMaxTimeout: IDLE_SOCKET_MS,
          // The deadline: connecting, then the answer's head, then each wait for its body, each
          // at most timeoutMs (undici's own timers: no timer of ours per request).
          headersTimeout: options.timeoutMs,
          bodyTimeout: options.timeoutMs,
          connect: guardedConnector(url, options),
        })
      : null;
  }

  /** Sends one message; never rejects. Requests are written in call order. */
  async send(secret: string, message: WebhookMessage): Promise<SendResult> {
    if (!this.url || !this.client) return this.invalid ?? refused("no URL");
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    const timestamp = Math.floor(Date.now() / 1000);
    try {
      const answer = await this.client.request({
        path: `${this.url.pathname}${this.url.search}`,
        method: "POST",
        // undici pipelines only requests it may send again: a delivery may be (at least once,
        // the receiver dedupes by webhook-id), so later events need not wait for this answer.
        idempotent: true,
        // Nor behind a request marked blocking (undici's default for every method but HEAD).
        blocking: false,
        headers: {
          "content-type": "application/json",
          "user-agent": "lead-distribution-service-webhooks",
          "webhook-id": message.id,
          "webhook-timestamp": String(timestamp),
          "webhook-signature": signature(secret, message.id, timestamp, message.body),
        },
        body: message.body,
      });
      const status = answer.statusCode;
      const ok = status >= 200 && status < 300;
      const retryAfter = answer.headers["retry-after"];
      // A success's body is not needed: read and dropped (a large one closes the connection).
      if (ok) await answer.body.dump({ limit: RESPONSE_BODY_LIMIT });
      const text = ok ? "" : await start(answer.body);
      return {
        status,
        durationMs: elapsed(),
        error: ok ? null : `HTTP ${status}${text ? `: ${text}` : ""}`,
        retryAfter: Array.isArray(retryAfter) ? retryAfter[0] : retryAfter,
      };
    } catch (error) {
      return {
        status: null,
        durationMs: elapsed(),
        error: describe(error, this.options.timeoutMs),
        retryAfter: undefined,
      };
    }
  }

  /** Closes the connection once the requests in flight are answered (or fail). */
  async close(): Promise<void> {
    await this.client?.close().catch(() => this.client?.destroy());
  }
}

/** Connects only to addresses the SSRF guard accepts, resolved now. */
function guardedConnector(url: URL, options: SenderOptions): buildConnector.connector {
  return (connectOptions, callback) => {
    resolveSafely(hostOf(url), options.allowPrivateUrls, options.resolve ?? systemResolver).then(
      (addresses) =>
        buildConnector({ lookup: fixedLookup(addresses), timeout: options.timeoutMs })(
          connectOptions,
          callback,
        ),
      (error: Error) => callback(error, null),
    );
  };
}

/** A lookup that answers with the addresses already checked (node skips it for IP literals, checked too). */
function fixedLookup(addresses: ResolvedAddress[]): LookupFunction {
  return (_hostname, lookupOptions, callback) => {
    if (lookupOptions.all) callback(null, addresses);
    else {
      const first = addresses[0] as ResolvedAddress;
      callback(null, first.address, first.family);
    }
  };
}

/** The start of an answer's body, at most RESPONSE_BODY_LIMIT bytes (the rest is not read). */
async function start(body: AsyncIterable<Buffer> & { destroy(): void }): Promise<string> {
  const chunks: Buffer[] = [];
  let kept = 0;
  for await (const chunk of body) {
    chunks.push(chunk.subarray(0, RESPONSE_BODY_LIMIT - kept));
    kept += chunk.length;
    if (kept >= RESPONSE_BODY_LIMIT) break; // leaving the loop destroys the rest (and the connection)
  }
  return Buffer.concat(chunks).toString("utf8").slice(0, RESPONSE_BODY_LIMIT);
}

/** undici's errors for a deadline that passed. */
const TIMEOUTS = new Set(["UND_ERR_CONNECT_TIMEOUT", "UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT"]);

function describe(error: unknown, timeoutMs: number): string {
  if (!(error instanceof Error)) return String(error);
  if (TIMEOUTS.has((error as { code?: string }).code ?? "")) return `timed out after ${timeoutMs} ms`;
  // undici's socket errors carry node's cause (ECONNRESET, ...) apart from their message.
  const cause = (error as { cause?: { code?: string } }).cause;
  if (cause?.code && !error.message.includes(cause.code)) return `${error.message} (${cause.code})`;
  return error.message;
}
