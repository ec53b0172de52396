// An export as a stream: rows come from a database cursor a batch at a time. The next batch is
// read while the one before it is written (the database and the service work at once, not in
// turn: the service's CPU per row, not the two together, bounds the rate), and no further: the
// one after waits until the client has taken enough, so memory holds about two batches whatever
// the number of rows and the client's speed. The cursor is closed however the
// stream ends: read to the end, the client gone (the route's reply destroys the stream, and the
// statement stops at the batch in flight), a client that takes nothing for too long, a failure.
import type { EventEmitter } from "node:events";
import { PassThrough, type Readable } from "node:stream";
import type { RowCursor } from "../../db/sql-cursor.js";
import type { Cell, Column } from "./cell.js";
import type { SheetFormat, SheetWriter } from "./sheet-writer.js";

export type ExportStreamOptions = {
  /** A client that takes nothing for this long is dropped (the connection it holds goes back). */
  drainTimeoutMs: number;
};

/** Thrown into the stream when the client stopped taking it. */
export class ClientStalledError extends Error {
  constructor(ms: number) {
    super(`the client took nothing of the export for ${ms} ms: dropped`);
  }
}

export function exportStream<Row>(
  cursor: RowCursor<Row>,
  first: Row[],
  table: { columns: readonly Column<Row>[]; sheet: string },
  format: SheetFormat,
  options: ExportStreamOptions,
): Readable {
  const out = new PassThrough();
  const writer = format.open(
    out,
    table.columns.map((column) => column.name),
    table.sheet,
  );
  const cells = (row: Row): Cell[] => table.columns.map((column) => column.value(row));
  void (async () => {
    try {
      let rows = first;
      while (rows.length > 0) {
        // Read ahead: the next batch comes while this one is formatted and taken.
        const next = cursor.next();
        // Awaited below, or dropped with the stream (then its failure is of no one's interest).
        next.catch(() => {});
        writer.write(rows.map(cells));
        await taken(writer, out, options.drainTimeoutMs);
        if (out.destroyed) return;
        rows = await next;
        if (out.destroyed) return;
      }
      await writer.end();
    } catch (error) {
      out.destroy(error as Error);
    } finally {
      await cursor.close();
    }
  })();
  return out;
}

/** Until nothing the writer wrote is backed up, or the output is gone. */
async function taken(writer: SheetWriter, out: PassThrough, timeoutMs: number): Promise<void> {
  for (let full = writer.backedUp(); full !== null && !out.destroyed; full = writer.backedUp()) {
    await drainOrClose(full, out, timeoutMs);
  }
}

function drainOrClose(full: EventEmitter, out: PassThrough, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const settle = (error?: Error) => {
      clearTimeout(timer);
      full.off("drain", done);
      out.off("close", done);
      if (error) reject(error);
      else resolve();
    };
    const done = () => settle();
    const timer = setTimeout(() => settle(new ClientStalledError(timeoutMs)), timeoutMs);
    full.once("drain", done);
    out.once("close", done);
  });
}
