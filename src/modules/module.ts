// What a module declares once, in its `<name>.module.ts`, for the composition root
// (src/deps.ts), the app (src/app.ts), the OpenAPI setup (src/http/swagger.ts) and the job
// queue to read from the one list in src/modules/index.ts. docs/ARCHITECTURE.md: "Adding a module".
import type { FastifyInstance } from "fastify";
import type { Clock, ServiceLog } from "../core/ports.js";
import type { TryLock } from "../db/advisory-lock.js";
import type { Database } from "../db/prisma.js";
import type { Tag } from "../http/swagger.js";
import type { AnyJobDeclaration } from "../jobs/job.js";
import type { JobQueue } from "../jobs/job-queue.js";
import type { AuditRepository } from "./audit/audit.repository.js";
import type { Metrics } from "./metrics/metrics.js";

/**
 * What the composition root (createDeps) gives every module to build its services from.
 * `Options` is the part of createDeps' options the module reads (DepsOptions gathers them).
 */
export type ModuleContext<Options extends object = object> = {
  readonly database: Database;
  /** Where services report what they recover from without failing the request. */
  readonly log: ServiceLog;
  readonly clock: Clock;
  readonly metrics: Metrics;
  /** The event log's writer, one for every module that records its changes' events (in their transactions). */
  readonly auditRepository: AuditRepository;
  /** Advisory locks on the pool, for work one instance does at a time (the distribution sweep). */
  readonly tryLock: TryLock;
  /** The job queue, for services that send a job in the transaction of the change that causes it. */
  readonly jobs: JobSender;
  readonly options: Options;
};

/** What a service may do with the job queue: send (docs/JOBS.md). */
export type JobSender = Pick<JobQueue<unknown>, "send">;

/**
 * `Needs` is what the routes take from the app's services (Deps, which must have it: app.ts
 * does not compile otherwise), `JobNeeds` what the jobs take (the job queue does not compile
 * otherwise); `Provides`, the services this module adds to Deps; `Uses`, the services of
 * modules before it in MODULES that its services are built from; `Options`, what it reads of
 * createDeps' options.
 */
export type AppModule<
  Needs = unknown,
  Provides extends object = object,
  Uses extends object = object,
  Options extends object = object,
  JobNeeds = unknown,
  Name extends string = string,
> = {
  /** Unique among the modules; normally its folder's name. */
  readonly name: Name;
  /** The group its operations appear under in the OpenAPI document and Swagger UI. */
  readonly tag?: Tag;
  /**
   * Builds the module's services from the context and from `built`, the services of the
   * modules listed before it; their keys join Deps and must be unique across modules.
   */
  readonly services?: (context: ModuleContext<Options>, built: Uses) => Provides;
  /** Registers the routes on the root instance (an encapsulated plugin, normally). */
  readonly routes?: (app: FastifyInstance, deps: Needs) => Promise<void>;
  /** The event types (audit actions) about the module's own entities, whoever writes them. */
  readonly eventTypes?: readonly string[];
  /** Its background jobs (src/jobs/job.ts, defineJob); their handlers get the services, as routes do. */
  readonly jobs?: readonly AnyJobDeclaration<JobNeeds>[];
};

/** Types a manifest with what its routes need, what its services provide and use, as written. */
export function defineModule<
  const Name extends string,
  Needs = unknown,
  Provides extends object = object,
  Uses extends object = object,
  Options extends object = object,
  JobNeeds = unknown,
>(
  module: AppModule<Needs, Provides, Uses, Options, JobNeeds, Name>,
): AppModule<Needs, Provides, Uses, Options, JobNeeds, Name> {
  return module;
}

// biome-ignore lint/suspicious/noExplicitAny: any module, whatever its routes need and its services use.
type AnyModule = AppModule<any, object, any, any, any>;

// biome-ignore lint/suspicious/noExplicitAny: whatever else the module is.
type ProvidesOf<Module> = Module extends AppModule<any, infer Provides, any, any, any> ? Provides : object;
// biome-ignore lint/suspicious/noExplicitAny: whatever else the module is.
type UsesOf<Module> = Module extends AppModule<any, any, infer Uses, any, any> ? Uses : object;
// biome-ignore lint/suspicious/noExplicitAny: whatever else the module is.
type OptionsOfModule<Module> = Module extends AppModule<any, any, any, infer Options, any> ? Options : object;

/** The services every module of `Modules` provides, as one object type. */
export type ServicesOf<Modules extends readonly AnyModule[]> = Modules extends readonly [
  infer First,
  ...infer Rest extends readonly AnyModule[],
]
  ? ProvidesOf<First> & ServicesOf<Rest>
  : object;

/** What every module of `Modules` reads of createDeps' options, as one object type. */
export type OptionsOf<Modules extends readonly AnyModule[]> = Modules extends readonly [
  infer First,
  ...infer Rest extends readonly AnyModule[],
]
  ? OptionsOfModule<First> & OptionsOf<Rest>
  : object;

/**
 * `unknown` when each module's services use only services of the modules before it; else an
 * object type naming the first module that uses more, and what, which `modules` cannot match.
 */
export type BuildOrderOf<Modules extends readonly AnyModule[], Built = object> = Modules extends readonly [
  infer First extends AnyModule,
  ...infer Rest extends readonly AnyModule[],
]
  ? [Built] extends [UsesOf<First>]
    ? BuildOrderOf<Rest, Built & ProvidesOf<First>>
    : { readonly [Name in First["name"]]: UnbuiltMessage<Exclude<keyof UsesOf<First>, keyof Built>> }
  : unknown;

type UnbuiltMessage<Missing extends PropertyKey> = [Missing] extends [never]
  ? "uses a service of another type than the modules before it provide"
  : `uses ${Missing & string}, which no module before it in MODULES provides`;

/**
 * Every module's services, in one object, built in the modules' order: each module's
 * `services` gets those of the modules before it. A module listed before one whose
 * services it uses does not compile; a name two modules provide is an error at start.
 */
export function buildModuleServices<const Modules extends readonly AnyModule[]>(
  modules: Modules & BuildOrderOf<Modules>,
  context: ModuleContext<OptionsOf<Modules>>,
): ServicesOf<Modules> {
  const services: Record<string, unknown> = {};
  const providedBy = new Map<string, string>();
  for (const module of modules as readonly AnyModule[]) {
    for (const [key, service] of Object.entries(
      module.services?.(context, builtBefore(module, services)) ?? {},
    )) {
      const other = providedBy.get(key);
      if (other) throw new Error(`modules ${other} and ${module.name} both provide the service "${key}"`);
      providedBy.set(key, module.name);
      services[key] = service;
    }
  }
  return services as ServicesOf<Modules>;
}

/**
 * The services built so far, as `module` may read them: a name not among them (a service of
 * a module listed later, read through a cast or later on) throws, saying which.
 */
function builtBefore(module: AnyModule, services: Record<string, unknown>): object {
  return new Proxy(Object.freeze({ ...services }), {
    get(target, key, receiver) {
      if (typeof key === "string" && !(key in target))
        throw new Error(
          `module ${module.name} uses the service "${key}", which no module before it in MODULES provides`,
        );
      return Reflect.get(target, key, receiver);
    },
  });
}

/** Every module's background jobs, in the modules' order: what the job queue declares. */
export function jobsOf<const Modules extends readonly AnyModule[]>(
  modules: Modules,
): NonNullable<Modules[number]["jobs"]>[number][] {
  return modules.flatMap((module) => module.jobs ?? []);
}

/** The modules' OpenAPI tags, in the modules' order. */
export function tagsOf(modules: readonly AnyModule[]): Tag[] {
  return modules.flatMap((module) => (module.tag ? [module.tag] : []));
}
