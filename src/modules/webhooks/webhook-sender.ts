// One Standard Webhooks request: sign, POST, classify the answer. Through node:http(s),
// which never follows redirects (a 3xx is a failed attempt), with a deadline for the whole
// exchange (10 s by default) and at most RESPONSE_BODY_LIMIT bytes of the answer kept for
// the delivery log. The connection goes to an address the SSRF guard checked: the request's
// `lookup` is the guard's resolution, so DNS cannot change between check and connect.
//
// Connections are kept alive and reused (one keep-alive agent per protocol, which pools its
// sockets per host and port): a new TCP (and TLS) connection per event was most of the cost
// of a delivery. The guard still runs before every request, so a host that now resolves to
// a private address is refused before anything is sent; a reused socket stays connected to
// the address that was checked when it was opened. A timed-out or aborted request destroys
// its socket; an idle one is closed after IDLE_SOCKET_MS, below the usual 5 s keep-alive of
// servers, so that a socket is rarely reused just as the receiver closes it.
import { createHmac } from "node:crypto";
import http from "node:http";
import https from "node:https";
import type { LookupFunction } from "node:net";
import {
  hostOf,
  parseWebhookUrl,
  type Resolver,
  resolveSafely,
  systemResolver,
} from "./webhook-url-guard.js";

/** Kept from the receiver's answer, for the delivery log's `error`. */
const RESPONSE_BODY_LIMIT = 4096;

/** How long an idle kept-alive connection to a receiver stays open. */
const IDLE_SOCKET_MS = 4_000;

const agents = {
  "http:": new http.Agent({ keepAlive: true, timeout: IDLE_SOCKET_MS }),
  "https:": new https.Agent({ keepAlive: true, timeout: IDLE_SOCKET_MS }),
};

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
  resolve?: Resolver;
};

/** v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}"> keyed with the bytes after whsec_, base64-decoded. */
export function signature(secret: string, id: string, timestamp: number, body: string): string {
  const key = Buffer.from(secret.replace(/^whsec_/, ""), "base64");
  return `v1,${createHmac("sha256", key).update(`${id}.${timestamp}.${body}`).digest("base64")}`;
}

export async function sendWebhook(
  rawUrl: string,
  secret: string,
  message: WebhookMessage,
  options: SenderOptions,
): Promise<SendResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const signal = AbortSignal.timeout(options.timeoutMs);
  try {
    const url = parseWebhookUrl(rawUrl);
    const addresses = await resolveSafely(
      hostOf(url),
      options.allowPrivateUrls,
      options.resolve ?? systemResolver,
    );
    const timestamp = Math.floor(Date.now() / 1000);
    const answer = await post(
      url,
      addresses,
      signal,
      {
        "content-type": "application/json",
        "content-length": String(Buffer.byteLength(message.body)),
        "user-agent": "lead-distribution-service-webhooks",
        "webhook-id": message.id,
        "webhook-timestamp": String(timestamp),
        "webhook-signature": signature(secret, message.id, timestamp, message.body),
      },
      message.body,
    );
    const ok = answer.status >= 200 && answer.status < 300;
    return {
      status: answer.status,
      durationMs: elapsed(),
      error: ok ? null : `HTTP ${answer.status}${answer.body ? `: ${answer.body}` : ""}`,
      retryAfter: answer.retryAfter,
    };
  } catch (error) {
    const reason = signal.aborted
      ? `timed out after ${options.timeoutMs} ms`
      : error instanceof Error
        ? error.message
        : String(error);
    return { status: null, durationMs: elapsed(), error: reason, retryAfter: undefined };
  }
}

type Answer = { status: number; body: string; retryAfter: string | undefined };

function post(
  url: URL,
  addresses: { address: string; family: 4 | 6 }[],
  signal: AbortSignal,
  headers: Record<string, string>,
  body: string,
): Promise<Answer> {
  // Connect only to the checked addresses (node skips lookup for IP literals, already checked).
  const lookup: LookupFunction = (_hostname, lookupOptions, callback) => {
    if (lookupOptions.all) callback(null, addresses);
    else {
      const first = addresses[0] as { address: string; family: 4 | 6 };
      callback(null, first.address, first.family);
    }
  };
  const secure = url.protocol === "https:";
  const client = secure ? https : http;
  const agent = secure ? agents["https:"] : agents["http:"];
  return new Promise<Answer>((resolve, reject) => {
    const request = client.request(url, { method: "POST", headers, signal, lookup, agent }, (response) => {
      const chunks: Buffer[] = [];
      let kept = 0;
      const finish = (complete: boolean) => {
        const retryAfter = response.headers["retry-after"];
        resolve({
          status: response.statusCode ?? 0,
          body: Buffer.concat(chunks).toString("utf8").slice(0, RESPONSE_BODY_LIMIT),
          retryAfter: Array.isArray(retryAfter) ? retryAfter[0] : retryAfter,
        });
        // A complete answer leaves the socket to the agent for the next request; the rest
        // of a cut-off one is not read, so its socket is closed.
        if (!complete) response.destroy();
      };
      response.on("data", (chunk: Buffer) => {
        if (kept < RESPONSE_BODY_LIMIT) chunks.push(chunk.subarray(0, RESPONSE_BODY_LIMIT - kept));
        kept += chunk.length;
        // Enough for the log: the rest of a large or endless answer is not waited for.
        if (kept >= RESPONSE_BODY_LIMIT) finish(false);
      });
      response.on("end", () => finish(true));
      response.on("error", reject);
    });
    request.on("error", reject);
    request.end(body);
  });
}
