// Recognises the Prisma errors repositories turn into domain errors.
import { Prisma } from "../generated/prisma/client.js";

type AdapterCause = {
  kind?: string;
  originalCode?: string;
  constraint?: { index?: string; fields?: string[] };
};

function adapterCause(error: Prisma.PrismaClientKnownRequestError): AdapterCause | undefined {
  const meta = error.meta as { driverAdapterError?: { cause?: AdapterCause } } | undefined;
  return meta?.driverAdapterError?.cause;
}

/** A unique constraint or unique index was violated (P2002 from queries, 23505 from raw SQL). */
export function isUniqueViolation(error: unknown): boolean {
  if (!(error instanceof Prisma.PrismaClientKnownRequestError)) return false;
  if (error.code === "P2002") return true;
  const cause = adapterCause(error);
  return cause?.kind === "UniqueConstraintViolation" || cause?.originalCode === "23505";
}

/** The row an update or delete targeted does not exist. */
export function isRecordNotFound(error: unknown): boolean {
  return error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2025";
}

/** A foreign key pointed at a row that does not exist. */
export function isForeignKeyViolation(error: unknown): boolean {
  if (!(error instanceof Prisma.PrismaClientKnownRequestError)) return false;
  if (error.code === "P2003") return true;
  const cause = adapterCause(error);
  return cause?.kind === "ForeignKeyConstraintViolation" || cause?.originalCode === "23503";
}
