// What a module declares once, in its `<name>.module.ts`, for the composition root
// (src/deps.ts), the app (src/app.ts) and the OpenAPI setup (src/http/swagger.ts) to read
// from the one list in src/modules/index.ts. docs/ARCHITECTURE.md: "Adding a module".
import type { FastifyInstance } from "fastify";
import type { Clock, ServiceLog } from "../core/ports.js";
import type { Database } from "../db/prisma.js";
import type { Tag } from "../http/swagger.js";
import type { Metrics } from "./metrics/metrics.js";

/** What a module builds its services from; createDeps makes one for every module. */
export type ModuleContext = {
  readonly database: Database;
  /** Where services report what they recover from without failing the request. */
  readonly log: ServiceLog;
  readonly clock: Clock;
  readonly metrics: Metrics;
};

/**
 * A background job of the module, run by the job queue (src/jobs/) with the services the
 * module's routes get too. The queue's engineer owns the rest of its shape (schedule, retries).
 */
export type JobDeclaration<Needs = unknown> = {
  readonly name: string;
  readonly run: (deps: Needs) => Promise<unknown>;
};

/**
 * `Needs` is what the routes and jobs take from the app's services (Deps, which must have
 * it: app.ts does not compile otherwise); `Provides`, the services this module adds to Deps.
 */
export type AppModule<Needs = unknown, Provides extends object = object> = {
  /** Unique among the modules; the folder's name. */
  readonly name: string;
  /** The group its operations appear under in the OpenAPI document and Swagger UI. */
  readonly tag?: Tag;
  /** Builds the module's services; their keys join Deps and must be unique across modules. */
  readonly services?: (context: ModuleContext) => Provides;
  /** Registers the routes on the root instance (an encapsulated plugin, normally). */
  readonly routes?: (app: FastifyInstance, deps: Needs) => Promise<void>;
  /** The event types (audit actions) about the module's own entities, whoever writes them. */
  readonly eventTypes?: readonly string[];
  readonly jobs?: readonly JobDeclaration<Needs>[];
};

/** Types a manifest with what its routes need and its services provide, as written. */
export function defineModule<Needs = unknown, Provides extends object = object>(
  module: AppModule<Needs, Provides>,
): AppModule<Needs, Provides> {
  return module;
}

// biome-ignore lint/suspicious/noExplicitAny: any module, whatever its routes need.
type AnyModule = AppModule<any, object>;

/** The services every module of `Modules` provides, as one object type. */
export type ServicesOf<Modules extends readonly AnyModule[]> = Modules extends readonly [
  infer First,
  ...infer Rest extends readonly AnyModule[],
]
  ? (First extends AppModule<infer _Needs, infer Provides> ? Provides : object) & ServicesOf<Rest>
  : object;

/** Every module's services, in one object; a name two modules provide is an error. */
export function buildModuleServices<const Modules extends readonly AnyModule[]>(
  modules: Modules,
  context: ModuleContext,
): ServicesOf<Modules> {
  const services: Record<string, unknown> = {};
  const providedBy = new Map<string, string>();
  for (const module of modules) {
    for (const [key, service] of Object.entries(module.services?.(context) ?? {})) {
      const other = providedBy.get(key);
      if (other) throw new Error(`modules ${other} and ${module.name} both provide the service "${key}"`);
      providedBy.set(key, module.name);
      services[key] = service;
    }
  }
  return services as ServicesOf<Modules>;
}

/** The modules' OpenAPI tags, in the modules' order. */
export function tagsOf(modules: readonly AnyModule[]): Tag[] {
  return modules.flatMap((module) => (module.tag ? [module.tag] : []));
}
