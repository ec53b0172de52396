// What the export stream writes a table through, whatever the format (csv.ts, xlsx-sheet.ts).
import type { EventEmitter } from "node:events";
import type { PassThrough } from "node:stream";
import type { Cell } from "./cell.js";

export type SheetWriter = {
  /** Writes rows; synchronous: what it wrote may still be on its way to the output. */
  write(rows: readonly (readonly Cell[])[]): void;
  /**
   * A stream whose buffer is full of what write() wrote and not yet taken, to wait for its
   * 'drain' before writing more; null when nothing is backed up. Exports write again only then,
   * so memory holds about one batch of rows whatever the client's speed.
   */
  backedUp(): EventEmitter | null;
  /** Writes the end of the file and ends the output. */
  end(): Promise<void>;
};

/** A file format: its content type and extension, and how to start a file on an output. */
export type SheetFormat = {
  contentType: string;
  extension: string;
  /** Starts the file on `out` with the header row. `sheet`: the worksheet's name, where it has one. */
  open(out: PassThrough, headers: readonly string[], sheet: string): SheetWriter;
};
