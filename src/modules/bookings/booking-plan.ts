// What a POST or PATCH asks of a booking's items, worked out before any statement: the periods,
// items of the request that overlap each other, and, for a PATCH, which stored item each
// requested one moves. Pure, so the rules are tested on their own.
import type { PlannedItem } from "./booking.repository.js";
import type { ItemInput } from "./booking.schemas.js";

export function planItems(items: readonly ItemInput[]): PlannedItem[] {
  return items.map((item) => {
    const start = new Date(item.starts_at);
    return {
      resourceId: item.resource_id,
      start,
      end: new Date(start.getTime() + item.duration_minutes * 60_000),
    };
  });
}

/** The first pair [earlier index, later index] of items on one resource that overlap; back to back do not. */
export function selfOverlap(items: readonly PlannedItem[]): [number, number] | null {
  for (let j = 1; j < items.length; j++) {
    const b = items[j] as PlannedItem;
    for (let i = 0; i < j; i++) {
      const a = items[i] as PlannedItem;
      if (a.resourceId === b.resourceId && a.start < b.end && b.start < a.end) return [i, j];
    }
  }
  return null;
}

export type ItemMatch = {
  /** Stored items moved (or left) where the request says, by the request's index. */
  moves: { id: number; index: number }[];
  /** Indexes of the request's items that are new. */
  inserts: number[];
  /** Stored items no requested item takes: removed from the booking. */
  removes: number[];
};

/**
 * Which stored item each requested item is: the one its id names, else the next stored item (in
 * start order) that no id names, else none (a new item). Stored items left over are removed. The
 * index of a requested id that is not one of the booking's items, or null.
 */
export function matchItems(
  stored: readonly { id: number }[],
  requested: readonly { id?: number | undefined }[],
): { match: ItemMatch } | { unknownAt: number } {
  const storedIds = new Set(stored.map((item) => item.id));
  const unknownAt = requested.findIndex((item) => item.id !== undefined && !storedIds.has(item.id));
  if (unknownAt !== -1) return { unknownAt };
  const named = new Set(requested.flatMap((item) => (item.id === undefined ? [] : [item.id])));
  const free = stored.filter((item) => !named.has(item.id)).map((item) => item.id);
  const match: ItemMatch = { moves: [], inserts: [], removes: [] };
  requested.forEach((item, index) => {
    const id = item.id ?? free.shift();
    if (id === undefined) match.inserts.push(index);
    else match.moves.push({ id, index });
  });
  match.removes = free;
  return { match };
}
