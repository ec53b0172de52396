// The module list (src/modules/index.ts) is what the app, the OpenAPI document and the
// composition root read: names are unique, the document's tags are the modules' (then the
// service's own), every operation is under a declared tag, and the modules' event types are
// the audit trail's vocabulary.
import { describe, expect, it } from "vitest";
import { generateDocument } from "../../scripts/openapi-document.js";
import type { Database } from "../../src/db/prisma.js";
import { SERVICE_TAG } from "../../src/http/swagger.js";
import { defineJob } from "../../src/jobs/job.js";
import type { AuditRepository } from "../../src/modules/audit/audit.repository.js";
import { AUDIT_ACTIONS } from "../../src/modules/audit/audit.schemas.js";
import { MODULES } from "../../src/modules/index.js";
import type { Metrics } from "../../src/modules/metrics/metrics.js";
import {
  buildModuleServices,
  defineModule,
  jobsOf,
  type ModuleContext,
  tagsOf,
} from "../../src/modules/module.js";

type Operation = { tags?: string[] };

describe("the module list", () => {
  it("names each module once", () => {
    const names = MODULES.map((module) => module.name);
    expect(new Set(names).size).toBe(names.length);
  });

  it("gives the document its tags, in the modules' order, then the service's own", async () => {
    const document = await generateDocument();
    expect(document.tags).toEqual([...tagsOf(MODULES), SERVICE_TAG]);
    expect(document.tags?.map((tag) => tag.name)).toEqual([
      "operators",
      "sources",
      "bot-scripts",
      "appeals",
      "messages",
      "leads",
      "segments",
      "tasks",
      "materials",
      "activities",
      "bot-state",
      "resources",
      "bookings",
      "calendar-feeds",
      "exports",
      "stats",
      "audit",
      "api-keys",
      "webhooks",
      "events",
      "service",
    ]);
  });

  it("puts every operation under a declared tag, and some operation under every tag", async () => {
    const document = await generateDocument();
    const declared = (document.tags ?? []).map((tag) => tag.name);
    const used = Object.values(document.paths ?? {}).flatMap((operations) =>
      Object.values(operations as Record<string, Operation>).map((operation) => operation.tags ?? []),
    );
    expect(used.every((tags) => tags.length === 1 && declared.includes(tags[0] as string))).toBe(true);
    expect(new Set(used.flat())).toEqual(new Set(declared));
  });

  it("declares, across its modules, each audit action once", () => {
    const declared = MODULES.flatMap((module) => module.eventTypes ?? []);
    expect(new Set(declared).size).toBe(declared.length);
    expect([...declared].sort()).toEqual([...AUDIT_ACTIONS].sort());
  });
});

describe("buildModuleServices", () => {
  const context: ModuleContext<{ greeting?: string }> = {
    database: {} as Database,
    log: { warn() {} },
    clock: { now: () => new Date("2026-12-01T10:00:00.000Z") },
    metrics: {} as Metrics,
    auditRepository: {} as AuditRepository,
    tryLock: async () => ({ acquired: false }),
    jobs: { send: async () => null },
    options: { greeting: "hello" },
  };

  it("gathers every module's services, each built from the context and its options", () => {
    const clocks = defineModule({ name: "clocks", services: ({ clock }) => ({ startedAt: clock.now() }) });
    const greetings = defineModule({
      name: "greetings",
      services: ({ options }: ModuleContext<{ greeting?: string }>) => ({
        greeting: options.greeting ?? "hi",
      }),
    });
    const routesOnly = defineModule({ name: "routes-only", routes: async () => {} });
    const services = buildModuleServices([clocks, routesOnly, greetings], context);
    expect(services).toEqual({ startedAt: new Date("2026-12-01T10:00:00.000Z"), greeting: "hello" });
  });

  it("gives each module the services of the modules before it", () => {
    const engines = defineModule({ name: "engines", services: () => ({ engine: { speed: 3 } }) });
    const cars = defineModule({
      name: "cars",
      services: (_context, { engine }: { engine: { speed: number } }) => ({
        car: { speed: engine.speed * 2 },
      }),
    });
    expect(buildModuleServices([engines, cars], context)).toEqual({
      engine: { speed: 3 },
      car: { speed: 6 },
    });
  });

  it("does not compile, and refuses at start, a module listed before one whose services it uses", () => {
    const engines = defineModule({ name: "engines", services: () => ({ engine: { speed: 3 } }) });
    const cars = defineModule({
      name: "cars",
      services: (_context, { engine }: { engine: { speed: number } }) => ({ car: { speed: engine.speed } }),
    });
    // @ts-expect-error cars uses engine, which no module before it provides.
    expect(() => buildModuleServices([cars, engines], context)).toThrow(
      'module cars uses the service "engine", which no module before it in MODULES provides',
    );
  });

  it("refuses two modules that provide a service under the same name", () => {
    const first = defineModule({ name: "first", services: () => ({ mailer: 1 }) });
    const second = defineModule({ name: "second", services: () => ({ mailer: 2 }) });
    expect(() => buildModuleServices([first, second], context)).toThrow(
      'modules first and second both provide the service "mailer"',
    );
  });
});

describe("jobsOf", () => {
  it("lists the modules' job declarations, in the modules' order", () => {
    const job = (name: string) =>
      defineJob({
        name,
        policy: "standard",
        retry: { limit: 0, delaySeconds: 1, backoff: false },
        run: async () => name,
      });
    const [a, b, c] = [job("one.a"), job("one.b"), job("two.c")];
    const one = defineModule({ name: "one", jobs: [a, b] });
    const none = defineModule({ name: "none" });
    const two = defineModule({ name: "two", jobs: [c] });
    expect(jobsOf([one, none, two])).toEqual([a, b, c]);
  });

  it("declares the app's jobs from the manifests", () => {
    expect(jobsOf(MODULES).map((job) => job.name)).toEqual([
      "appeals.idempotency-key-purge",
      "bot-state.idle-purge",
      "bookings.reminder",
    ]);
  });
});
