import pg from "pg";
import { describe, expect, it } from "vitest";
import { isUniqueViolation } from "../../src/db/prisma-errors.js";
import { Prisma } from "../../src/generated/prisma/client.js";
import { isDatabaseTimeout, isDatabaseUnavailable } from "../../src/http/database-errors.js";

const withCode = (code: string, message = "failed") => Object.assign(new Error(message), { code });
const prismaError = (code: string, meta?: Record<string, unknown>) =>
  new Prisma.PrismaClientKnownRequestError("Invalid `prisma.operator.findMany()` invocation", {
    code,
    clientVersion: "7.10.0",
    ...(meta ? { meta } : {}),
  });
/** The shape Prisma 7 gives a driver error it has no code of its own for (seen with 57P01). */
const adapterError = (sqlstate: string, prismaCode = "P2010") =>
  prismaError(prismaCode, {
    driverAdapterError: {
      name: "DriverAdapterError",
      cause: { originalCode: sqlstate, kind: "postgres", code: sqlstate, severity: "FATAL", message: "x" },
    },
  });

describe("isDatabaseUnavailable", () => {
  it.each(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "ENOTFOUND", "EHOSTUNREACH"])(
    "recognises the network error code %s",
    (code) => {
      expect(isDatabaseUnavailable(withCode(code))).toBe(true);
    },
  );

  it.each([
    ["P1001", "can't reach the server"],
    ["P1002", "the server timed out"],
    ["P1008", "a socket timeout"],
    ["P1017", "the server closed the connection"],
    ["P2024", "a connection pool timeout"],
    ["P2037", "too many connections"],
  ])("recognises Prisma's %s (%s)", (code) => {
    expect(isDatabaseUnavailable(prismaError(code))).toBe(true);
  });

  it.each([
    ["08000", "connection exception"],
    ["08001", "cannot establish a connection"],
    ["08006", "connection failure"],
    ["57P01", "admin shutdown"],
    ["57P02", "crash shutdown"],
    ["57P03", "cannot connect now (starting up)"],
    ["53300", "too many connections"],
  ])("recognises the SQLSTATE %s (%s) on a pg error", (code) => {
    expect(isDatabaseUnavailable(withCode(code))).toBe(true);
  });

  it.each(["57P01", "08006", "53300"])(
    "recognises SQLSTATE %s inside Prisma's meta.driverAdapterError",
    (sqlstate) => {
      expect(isDatabaseUnavailable(adapterError(sqlstate))).toBe(true);
      expect(isDatabaseUnavailable(adapterError(sqlstate, "P2039"))).toBe(true);
    },
  );

  it.each([
    "Connection terminated unexpectedly",
    "Connection terminated due to connection timeout",
    "timeout exceeded when trying to connect",
    "Can't reach database server at `db:5432`",
    "FATAL: the database system is shutting down",
    "the database system is starting up",
  ])("recognises the message %j", (message) => {
    expect(isDatabaseUnavailable(new Error(message))).toBe(true);
  });

  it("looks through nested causes", () => {
    const inner = withCode("ECONNREFUSED", "connect ECONNREFUSED 127.0.0.1:5432");
    const middle = new Error("pool failed", { cause: inner });
    expect(isDatabaseUnavailable(new Error("query failed", { cause: middle }))).toBe(true);
  });

  it("looks inside an AggregateError (a host with several addresses)", () => {
    const aggregate = new AggregateError([new Error("other"), withCode("ECONNREFUSED")], "connect failed");
    expect(isDatabaseUnavailable(aggregate)).toBe(true);
    expect(isDatabaseUnavailable(new Error("wrapped", { cause: aggregate }))).toBe(true);
  });

  it("stops after a few levels of causes, and on a cause cycle", () => {
    let deep: Error = withCode("ECONNREFUSED");
    for (let i = 0; i < 6; i++) deep = new Error(`level ${i}`, { cause: deep });
    expect(isDatabaseUnavailable(deep)).toBe(false);

    const cyclic = new Error("cycle") as Error & { cause?: unknown };
    cyclic.cause = cyclic;
    expect(isDatabaseUnavailable(cyclic)).toBe(false);
  });

  it.each([
    ["22008", "datetime field overflow: 08 at the end, not the class"],
    ["42P08", "ambiguous parameter: 08 at the end"],
    ["08", "a bare class, not a SQLSTATE"],
    ["5300", "the start of 53300"],
    ["533001", "53300 with more after it"],
    ["X57P01", "57P01 not at the start"],
  ])("is false for the code %s (%s)", (code) => {
    expect(isDatabaseUnavailable(withCode(code))).toBe(false);
  });

  it("follows causes four levels deep, and no further", () => {
    const wrapped = (levels: number, inner: Error) => {
      let error = inner;
      for (let i = 0; i < levels; i++) error = new Error(`level ${i}`, { cause: error });
      return error;
    };
    expect(isDatabaseUnavailable(wrapped(4, withCode("ECONNREFUSED")))).toBe(true);
    expect(isDatabaseUnavailable(wrapped(5, withCode("ECONNREFUSED")))).toBe(false);
    expect(isDatabaseTimeout(wrapped(4, withCode("57014")))).toBe(true);
    expect(isDatabaseTimeout(wrapped(5, withCode("57014")))).toBe(false);
  });

  it("reads a code only when it is a string", () => {
    expect(isDatabaseUnavailable({ code: 53300 })).toBe(false);
    expect(isDatabaseUnavailable({ code: "53300" })).toBe(true);
  });

  it("ends on cycles through an AggregateError or Prisma's meta, and on a null meta", () => {
    const aggregate = new AggregateError([], "cycle");
    aggregate.errors.push(aggregate);
    expect(isDatabaseUnavailable(aggregate)).toBe(false);
    const viaMeta = new Error("meta cycle") as Error & { meta?: object };
    viaMeta.meta = { driverAdapterError: viaMeta };
    expect(isDatabaseUnavailable(viaMeta)).toBe(false);
    expect(isDatabaseTimeout(viaMeta)).toBe(false);
    expect(isDatabaseUnavailable({ message: "x", meta: null })).toBe(false);
    expect(isDatabaseTimeout({ message: "x", meta: null })).toBe(false);
  });

  it("recognises each of @prisma/adapter-pg's kinds", () => {
    for (const kind of ["ConnectionClosed", "DatabaseNotReachable", "SocketTimeout", "TooManyConnections"]) {
      expect(isDatabaseUnavailable({ kind }), kind).toBe(true);
    }
    expect(isDatabaseUnavailable({ kind: "UniqueConstraintViolation" })).toBe(false);
  });

  it("recognises the error pg really gives when nothing listens on the port", async () => {
    const client = new pg.Client({ connectionString: "postgresql://postgres@127.0.0.1:1/none" });
    const error = await client.connect().then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeDefined();
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it.each<[string, unknown]>([
    ["a plain Error", new Error("boom")],
    ["a TypeError", new TypeError("cannot read properties of undefined")],
    ["a unique violation (P2002)", prismaError("P2002")],
    ["a missing record (P2025)", prismaError("P2025")],
    ["an unknown database (P1003): a configuration error, not an outage", prismaError("P1003")],
    ["a unique violation inside the adapter error", adapterError("23505")],
    ["a syntax error SQLSTATE", withCode("42601")],
    ["a numeric code", Object.assign(new Error("x"), { code: 8006 })],
    ["a cause that is not a database error", new Error("outer", { cause: new Error("inner") })],
    ["null", null],
    ["undefined", undefined],
    ["a string", "ECONNREFUSED"],
    ["an object without code or message", { status: 500 }],
  ])("is false for %s", (_, error) => {
    expect(isDatabaseUnavailable(error)).toBe(false);
  });
});

/** What pg raises for an ErrorResponse from the server (the appeal statements run straight through pg). */
const pgError = (code: string, constraint?: string) =>
  Object.assign(new pg.DatabaseError("server error", 0, "error"), { code, constraint });

describe("isDatabaseTimeout", () => {
  it("recognises 57014 as code or originalCode, a read timeout, and inside Prisma's adapter error", () => {
    expect(isDatabaseTimeout(withCode("57014"))).toBe(true);
    expect(isDatabaseTimeout({ originalCode: "57014" })).toBe(true);
    expect(isDatabaseTimeout(new Error("Query read timeout"))).toBe(true);
    expect(isDatabaseTimeout(adapterError("57014"))).toBe(true);
    expect(isDatabaseTimeout(new Error("wrapped", { cause: withCode("57014") }))).toBe(true);
  });

  it.each<[string, unknown]>([
    ["another SQLSTATE", withCode("57P01")],
    ["a plain Error", new Error("boom")],
    ["null", null],
    ["a string", "57014"],
    ["a Prisma error with another driver code", adapterError("23505")],
  ])("is false for %s", (_, error) => {
    expect(isDatabaseTimeout(error)).toBe(false);
  });
});

describe("errors straight from pg", () => {
  it("a cancelled statement (57014) is a timeout, not an outage", () => {
    expect(isDatabaseTimeout(pgError("57014"))).toBe(true);
    expect(isDatabaseUnavailable(pgError("57014"))).toBe(false);
  });

  it("a server shutting down (57P01) is an outage", () => {
    expect(isDatabaseUnavailable(pgError("57P01"))).toBe(true);
  });

  it("23505 is a unique violation; a foreign key (23503) or a check (23514) is not", () => {
    expect(isUniqueViolation(pgError("23505", "idempotency_keys_pkey"))).toBe(true);
    expect(isUniqueViolation(pgError("23505", "idempotency_keys_pkey"), "idempotency_keys_pkey")).toBe(true);
    expect(isUniqueViolation(pgError("23505", "leads_external_id_key"), "idempotency_keys_pkey")).toBe(false);
    expect(isUniqueViolation(pgError("23503"))).toBe(false);
    expect(isUniqueViolation(pgError("23514"))).toBe(false);
    expect(isDatabaseTimeout(pgError("23505"))).toBe(false);
  });
});
