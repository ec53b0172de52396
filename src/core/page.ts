// Keyset pages: `{ items, next_cursor }`, the shape of every paginated list (AppealPage,
// LeadPage, AuditEventPage; their schemas come from pageSchema in src/http/common.schemas.ts).

export type Page<T> = { items: T[]; next_cursor: string | null };

/**
 * From `limit + 1` rows read in page order: the first `limit`, and the last one's cursor (its id,
 * unless `cursorOf` says otherwise: a list in another order than by id) when the extra row shows
 * that more follow (so the last page says null, never empty next).
 */
export function keysetPage<R extends { id: number | bigint }, T>(
  rows: R[],
  limit: number,
  toDto: (row: R) => T,
  cursorOf: (row: R) => string = (row) => String(row.id),
): Page<T> {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return { items: items.map(toDto), next_cursor: rows.length > limit && last ? cursorOf(last) : null };
}
