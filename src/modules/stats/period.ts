// The period filter as services and repositories take it: half-open [from, to) on the
// appeals' created_at; period.schemas.ts is its query-string side.

export type Period = { from?: Date | undefined; to?: Date | undefined };

export function toPeriod(query: { from?: string | undefined; to?: string | undefined }): Period {
  return {
    from: query.from === undefined ? undefined : new Date(query.from),
    to: query.to === undefined ? undefined : new Date(query.to),
  };
}
