// Recognises the database error repositories turn into a domain error (a taken name, a reused key).
import pg from "pg";
import { Prisma } from "../generated/prisma/client.js";

type AdapterCause = { kind?: string; originalCode?: string };

function adapterCause(error: Prisma.PrismaClientKnownRequestError): AdapterCause | undefined {
  const meta = error.meta as { driverAdapterError?: { cause?: AdapterCause } } | undefined;
  return meta?.driverAdapterError?.cause;
}

/**
 * A unique constraint or unique index was violated: P2002 from Prisma queries, 23505
 * from raw SQL (through Prisma or straight from pg). With `constraint`, that one only
 * (pg's errors name it; the statements run straight through pg, src/db/sql.ts).
 */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  if (error instanceof pg.DatabaseError) {
    return error.code === "23505" && (constraint === undefined || error.constraint === constraint);
  }
  if (constraint !== undefined) return false; // only pg's errors name the constraint
  if (!(error instanceof Prisma.PrismaClientKnownRequestError)) return false;
  if (error.code === "P2002") return true;
  const cause = adapterCause(error);
  return cause?.kind === "UniqueConstraintViolation" || cause?.originalCode === "23505";
}

/**
 * An exclusion constraint was violated (23P01): a booking item overlapping another of its
 * resource (booking_items_no_overlap). Raw statements through Prisma carry the code in the
 * driver adapter's cause; straight from pg, in the error.
 */
export function isExclusionViolation(error: unknown): boolean {
  if (error instanceof pg.DatabaseError) return error.code === "23P01";
  if (!(error instanceof Prisma.PrismaClientKnownRequestError)) return false;
  const cause = adapterCause(error);
  return cause?.originalCode === "23P01" || (error.meta as { code?: string } | undefined)?.code === "23P01";
}

/** The transaction was ended to break a deadlock (40P01): nothing of it was written; it may be tried again. */
export function isDeadlock(error: unknown): boolean {
  if (error instanceof pg.DatabaseError) return error.code === "40P01";
  if (!(error instanceof Prisma.PrismaClientKnownRequestError)) return false;
  return adapterCause(error)?.originalCode === "40P01";
}
