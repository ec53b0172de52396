// Recognises the database error repositories turn into a domain error (a taken name, a reused key).
import pg from "pg";
import { Prisma } from "../generated/prisma/client.js";

type AdapterCause = { kind?: string; originalCode?: string };

function adapterCause(error: Prisma.PrismaClientKnownRequestError): AdapterCause | undefined {
  const meta = error.meta as { driverAdapterError?: { cause?: AdapterCause } } | undefined;
  return meta?.driverAdapterError?.cause;
}

/** A unique constraint or unique index was violated: P2002 from Prisma queries, 23505 from raw SQL (through Prisma or straight from pg). */
export function isUniqueViolation(error: unknown): boolean {
  if (error instanceof pg.DatabaseError) return error.code === "23505";
  if (!(error instanceof Prisma.PrismaClientKnownRequestError)) return false;
  if (error.code === "P2002") return true;
  const cause = adapterCause(error);
  return cause?.kind === "UniqueConstraintViolation" || cause?.originalCode === "23505";
}
