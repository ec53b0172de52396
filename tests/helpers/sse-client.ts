// A Server-Sent Events client over a real socket (node:http), with a parser of the
// text/event-stream format small enough to trust: blocks end with a blank line, `:`
// starts a comment, `field: value` sets a field. Tests wait for what they expect with
// a timeout, never for a fixed time.
import http from "node:http";

export type SseEvent = { id: string | undefined; event: string | undefined; data: string };

/** Parses complete blocks out of `buffer`; returns what is left (an incomplete block). */
export function parseSse(
  buffer: string,
  onEvent: (event: SseEvent) => void,
  onComment: (text: string) => void,
): string {
  let rest = buffer;
  for (let end = rest.indexOf("\n\n"); end !== -1; end = rest.indexOf("\n\n")) {
    const block = rest.slice(0, end);
    rest = rest.slice(end + 2);
    const event: SseEvent = { id: undefined, event: undefined, data: "" };
    let hasData = false;
    for (const line of block.split("\n")) {
      if (line.startsWith(":")) {
        onComment(line.slice(1).trim());
        continue;
      }
      const colon = line.indexOf(":");
      const field = colon === -1 ? line : line.slice(0, colon);
      const value = colon === -1 ? "" : line.slice(colon + 1).replace(/^ /, "");
      if (field === "id") event.id = value;
      else if (field === "event") event.event = value;
      else if (field === "data") {
        event.data = hasData ? `${event.data}\n${value}` : value;
        hasData = true;
      }
    }
    if (hasData) onEvent(event);
  }
  return rest;
}

export class SseClient {
  readonly events: SseEvent[] = [];
  readonly comments: string[] = [];
  /** Resolves when the server ends the stream or the connection closes. */
  readonly ended: Promise<void>;
  private readonly waiters = new Set<() => void>();
  private finished = false;

  private constructor(
    readonly response: http.IncomingMessage,
    private readonly request: http.ClientRequest,
  ) {
    let buffer = "";
    response.setEncoding("utf8");
    response.on("data", (chunk: string) => {
      buffer = parseSse(
        buffer + chunk,
        (event) => this.events.push(event),
        (text) => this.comments.push(text),
      );
      this.notify();
    });
    this.ended = new Promise((resolve) => {
      const done = () => {
        this.finished = true;
        this.notify();
        resolve();
      };
      response.once("end", done);
      response.once("close", done);
      response.once("error", done);
    });
  }

  /** Opens `url` (a path on `baseUrl`) and resolves once the response head is in. */
  static open(baseUrl: string, path: string, headers: Record<string, string> = {}): Promise<SseClient> {
    return new Promise((resolve, reject) => {
      const request = http.get(new URL(path, baseUrl), {
        headers: { accept: "text/event-stream", ...headers },
      });
      request.once("response", (response) => resolve(new SseClient(response, request)));
      request.once("error", reject);
    });
  }

  get status(): number {
    return this.response.statusCode ?? 0;
  }

  /** The events received so far, parsed from their data lines. */
  json<T = unknown>(): T[] {
    return this.events.map((event) => JSON.parse(event.data) as T);
  }

  /** Resolves once `count` events (in all) have arrived; rejects after `timeoutMs`, saying what came. */
  waitForEvents(count: number, timeoutMs = 10_000): Promise<SseEvent[]> {
    return this.waitUntil(
      () => this.events.length >= count,
      () => `${count} events (got ${this.events.length}: ${this.events.map((e) => e.id).join(",")})`,
      timeoutMs,
    ).then(() => this.events.slice(0, count));
  }

  /** Resolves once `count` comments with this text have arrived. */
  waitForComments(text: string, count: number, timeoutMs = 10_000): Promise<void> {
    return this.waitUntil(
      () => this.comments.filter((comment) => comment === text).length >= count,
      () => `${count} "${text}" comments (got ${JSON.stringify(this.comments)})`,
      timeoutMs,
    );
  }

  close(): void {
    this.request.destroy();
  }

  private waitUntil(done: () => boolean, what: () => string, timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (done()) {
          finish();
          resolve();
        } else if (this.finished) {
          finish();
          reject(new Error(`the stream ended before ${what()}`));
        }
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`no ${what()} within ${timeoutMs} ms`));
      }, timeoutMs);
      const finish = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
      check();
    });
  }

  private notify(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}
