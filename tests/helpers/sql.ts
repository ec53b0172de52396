import pg from "pg";

/** Runs one query on its own connection: for tests that check what is stored, beside the API. */
export async function query<T extends pg.QueryResultRow>(
  url: string,
  sql: string,
  params: unknown[] = [],
): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

/**
 * The two invariants of API.md "Distribution", read straight from the tables:
 * returns the operators whose counter disagrees with their active appeals or
 * exceeds max_load, and the sources with a pending appeal while a candidate has room.
 */
export async function invariantViolations(
  url: string,
): Promise<{ overLoaded: unknown[]; stuckPending: unknown[] }> {
  const overLoaded = await query(
    url,
    `SELECT o.id, o.max_load, o.active_load, count(a.id)::int AS active
     FROM operators o LEFT JOIN appeals a ON a.operator_id = o.id AND a.status = 'active'
     GROUP BY o.id HAVING o.active_load <> count(a.id) OR count(a.id) > o.max_load`,
  );
  const stuckPending = await query(
    url,
    `SELECT DISTINCT p.source_id FROM appeals p
     JOIN operator_weights w ON w.source_id = p.source_id
     JOIN operators o ON o.id = w.operator_id
     WHERE p.status = 'pending' AND o.is_active AND o.archived_at IS NULL AND o.active_load < o.max_load`,
  );
  return { overLoaded, stuckPending };
}

/** An appeal's status and operator, read straight from the table. */
export async function appealState(
  url: string,
  id: number,
): Promise<{ status: string; operator_id: number | null } | undefined> {
  const [row] = await query<{ status: string; operator_id: number | null }>(
    url,
    "SELECT status::text, operator_id FROM appeals WHERE id = $1",
    [id],
  );
  return row;
}

/**
 * Closes the appeal as the close statement does, and stops there: no drain follows,
 * the state a crash, a statement timeout or a database blip between the two leaves.
 */
export async function closeWithoutDrain(url: string, appealId: number): Promise<void> {
  await query(
    url,
    `WITH closed AS (
       UPDATE appeals SET status = 'closed', closed_at = now() WHERE id = $1 AND status = 'active'
       RETURNING operator_id)
     UPDATE operators o SET active_load = o.active_load - 1 FROM closed WHERE o.id = closed.operator_id`,
    [appealId],
  );
}
