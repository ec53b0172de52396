// pglite-socket queues every wire message on its own; the embedded database groups a
// connection's extended query (Parse ... Sync) into one queue item, so no other connection's
// message runs between them on PGlite's one shared session (src/db/embedded.ts).
import type { PGLiteSocketServer } from "@electric-sql/pglite-socket";
import { describe, expect, it } from "vitest";
import { groupExtendedQueries } from "../../src/db/embedded.js";

function fakeServer() {
  const enqueued: { handlerId: number; types: string }[] = [];
  const cleared: number[] = [];
  const queryQueue = {
    async enqueue(handlerId: number, message: Uint8Array, _onData: (data: Uint8Array) => void) {
      // The message types in the buffer, in order.
      const bytes = Buffer.from(message);
      let types = "";
      for (let i = 0; i < bytes.length; ) {
        types += String.fromCharCode(bytes[i] as number);
        i += 1 + bytes.readInt32BE(i + 1);
      }
      enqueued.push({ handlerId, types });
      return bytes.length;
    },
    clearQueueForHandler(handlerId: number) {
      cleared.push(handlerId);
    },
  };
  const server = { queryQueue } as unknown as PGLiteSocketServer;
  groupExtendedQueries(server);
  return { queue: queryQueue, enqueued, cleared };
}

const noop = () => {};

/** A wire message of this type with a small body (only the type byte and the length matter here). */
const wire = (type: string, body = "x") => {
  const bytes = Buffer.alloc(5 + body.length);
  bytes.write(type, 0, "latin1");
  bytes.writeInt32BE(4 + body.length, 1);
  bytes.write(body, 5, "latin1");
  return new Uint8Array(bytes);
};

describe("the embedded database's query grouping", () => {
  it("queues Parse, Bind, Describe, Execute and Sync of one connection as one item, in order", async () => {
    const { queue, enqueued } = fakeServer();
    const one = [wire("P"), wire("B"), wire("D"), wire("E")];
    const other = [wire("P"), wire("B"), wire("E")];
    // Interleaved as two connections' messages may arrive.
    for (let i = 0; i < 4; i++) {
      await queue.enqueue(1, one[i] as Uint8Array, noop);
      const theirs = other[i];
      if (theirs) await queue.enqueue(2, theirs, noop);
    }
    expect(enqueued).toEqual([]); // nothing runs before its Sync
    await queue.enqueue(2, wire("S", ""), noop);
    await queue.enqueue(1, wire("S", ""), noop);
    expect(enqueued).toEqual([
      { handlerId: 2, types: "PBES" },
      { handlerId: 1, types: "PBDES" },
    ]);
  });

  it("passes simple queries through at once, and forgets what a closed connection left", async () => {
    const { queue, enqueued, cleared } = fakeServer();
    await queue.enqueue(3, wire("Q", "SELECT 1"), noop);
    await queue.enqueue(4, wire("P"), noop);
    queue.clearQueueForHandler(4);
    await queue.enqueue(4, wire("S", ""), noop);
    expect(cleared).toEqual([4]);
    expect(enqueued).toEqual([
      { handlerId: 3, types: "Q" },
      { handlerId: 4, types: "S" },
    ]);
  });
});
