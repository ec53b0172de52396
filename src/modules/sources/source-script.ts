// A source's bot script (bot_script_id and the copy of its current version the intake reads
// from the source row): how a create or an update links one, and the 404 of a missing one.
import { NotFoundError } from "../../core/errors.js";
import type { Prisma } from "../../generated/prisma/client.js";

export function missingScript(id: number): NotFoundError {
  return new NotFoundError(`Bot script ${id} does not exist; nothing was changed.`, [
    { path: "bot_script_id", message: `bot script ${id} does not exist` },
  ]);
}

/**
 * The script's current version, with the script's row held FOR KEY SHARE until commit, so the
 * version written beside bot_script_id stays current: a new version (which takes FOR UPDATE)
 * waits for this transaction, and its cascade then moves this source too. Taken before the
 * source's own row, in the order a new version takes them (script, then its sources), so the
 * two never wait for each other crosswise. Null when the script does not exist.
 */
async function lockScriptVersion(tx: Prisma.TransactionClient, scriptId: number): Promise<number | null> {
  const [script] = await tx.$queryRaw<{ version: number }[]>`
    SELECT version FROM bot_scripts WHERE id = ${scriptId} FOR KEY SHARE`;
  return script?.version ?? null;
}

/** The script columns to write for `botScriptId` (the pair the sources' CHECK keeps together). */
export async function scriptColumns(
  tx: Prisma.TransactionClient,
  botScriptId: number | null | undefined,
): Promise<{ botScriptId?: number | null; botScriptVersion?: number | null } | "missing"> {
  if (botScriptId === undefined) return {};
  if (botScriptId === null) return { botScriptId: null, botScriptVersion: null };
  const version = await lockScriptVersion(tx, botScriptId);
  return version === null ? "missing" : { botScriptId, botScriptVersion: version };
}
