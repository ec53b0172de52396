// The one place that reads the environment. Everything else receives a Config.
import { type CountryCode, isSupportedCountry } from "libphonenumber-js";
import { z } from "zod";
import { canonicalTimeZone } from "./core/time-zone.js";

const booleanFromString = z
  .enum(["true", "false", "1", "0", "yes", "no"])
  .transform((value) => value === "true" || value === "1" || value === "yes");

/** Digits only: z.coerce.number() alone would read " " as 0 and "1e3" or "0x50" as numbers. */
const integerFromString = (min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^[0-9]+$/, "must be a whole number")
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

const configSchema = z.object({
  PORT: integerFromString(0, 65535).default(3000),
  HOST: z.string().min(1).default("127.0.0.1"),
  /** A PostgreSQL server. Without it the service runs on an embedded PGlite database in DATA_DIR. */
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, "must be a postgresql:// URL")
    .optional(),
  DATA_DIR: z.string().min(1).default("./data"),
  DATABASE_POOL_SIZE: integerFromString(1, 500).default(10),
  /**
   * While the requests' pool is busy (the bots posting at full speed), searches, segment pages
   * and exports run at most this share of the time, in percent (src/db/heavy-pacing.ts); 100: unpaced.
   */
  HEAVY_READS_BUSY_PERCENT: integerFromString(1, 100).default(25),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  MIGRATE_ON_START: booleanFromString.default(true),
  /**
   * auto: API keys are required once any key exists; with none, the service runs
   * open, but only on a loopback address. on: always required. off: never (say so explicitly).
   */
  AUTH: z.enum(["auto", "on", "off"]).default("auto"),
  /** Created as an admin key (label "bootstrap") at start if no key with it exists: for container setups. */
  BOOTSTRAP_ADMIN_KEY: z.string().min(32, "must be at least 32 characters").max(200).optional(),
  /** Comma-separated origins allowed by CORS; unset means CORS is off. */
  CORS_ORIGINS: z
    .string()
    .transform((value) =>
      value
        .split(",")
        .map((origin) => origin.trim())
        .filter(Boolean),
    )
    .optional(),
  BODY_LIMIT_BYTES: integerFromString(1024, 100 * 1024 * 1024).default(1024 * 1024),
  /** Requests per minute per API key (per address in open mode); 0 turns rate limiting off. */
  RATE_LIMIT_PER_MINUTE: integerFromString(0, 10_000_000).default(6000),
  /**
   * Unknown or revoked API keys a client address may present per minute; past it, 429 with
   * Retry-After and no database lookup (keys in use keep working). 0 turns the limit off.
   */
  AUTH_FAILURES_PER_MINUTE: integerFromString(0, 1_000_000).default(30),
  /** A request still unanswered after this long gets a 503. */
  REQUEST_TIMEOUT_MS: integerFromString(100, 600_000).default(10_000),
  /** PostgreSQL cancels a statement running longer than this. */
  DATABASE_STATEMENT_TIMEOUT_MS: integerFromString(100, 600_000).default(5_000),
  /** On SIGTERM, in-flight requests get this long to finish before the process exits anyway. */
  SHUTDOWN_TIMEOUT_MS: integerFromString(0, 600_000).default(10_000),
  /**
   * How often one instance sweeps the pending queue for appeals a fault left beside
   * free capacity; 0 turns the sweep off (tests that need it off).
   */
  SWEEP_INTERVAL_MS: integerFromString(0, 3_600_000).default(5_000),
  /** How often the event feed looks at the log while a stream or webhook listens. */
  EVENT_POLL_INTERVAL_MS: integerFromString(10, 60_000).default(100),
  /**
   * Webhook URLs may resolve to loopback, private or link-local addresses (receivers on this
   * machine in tests and local setups). Off by default: the SSRF guard refuses them.
   */
  WEBHOOK_ALLOW_PRIVATE_URLS: booleanFromString.default(false),
  /**
   * Webhook requests in flight at once per endpoint, on its one connection, in event order
   * (HTTP/1.1 pipelining); 1 waits for each answer before the next request.
   */
  WEBHOOK_PIPELINING: integerFromString(1, 64).default(16),
  /**
   * Whether this API instance runs background jobs itself (takes them, sends the
   * scheduled ones). false: it only sends them, and `npm run worker` processes beside
   * it on the same DATABASE_URL run them. The worker always runs them.
   */
  WORKERS: booleanFromString.default(true),
  /**
   * The country a phone without a country code is read in (ISO 3166 alpha-2): "8 916 123-45-67" is
   * +79161234567 in RU. Leads' phone_e164 and the phone search use it.
   */
  DEFAULT_PHONE_REGION: z
    .string()
    .trim()
    .toUpperCase()
    .refine(isSupportedCountry, "must be a country code libphonenumber knows, such as RU, US or DE")
    .transform((code) => code as CountryCode)
    .default("RU"),
  /**
   * The IANA time zone of opening hours and calendar days (Europe/Moscow, Europe/Berlin):
   * bookings are stored and answered in UTC. Written as Intl knows it ("europe/berlin" is Europe/Berlin).
   */
  TIMEZONE: z
    .string()
    .trim()
    .transform((zone, ctx) => {
      const canonical = canonicalTimeZone(zone);
      if (canonical === null) {
        ctx.addIssue({
          code: "custom",
          message: "must be an IANA time zone, such as UTC, Europe/Moscow or America/New_York",
        });
        return z.NEVER;
      }
      return canonical;
    })
    .default("UTC"),
  /**
   * The address clients reach the service by (https://crm.example.com, a path allowed): the base of
   * the calendar feeds' URLs. Unset: the address the admin's request came to (behind a proxy that
   * terminates TLS, http:// and the proxy's upstream host: set it there).
   */
  PUBLIC_URL: z
    .string()
    .trim()
    .transform((value, ctx) => {
      const url = URL.canParse(value) ? new URL(value) : null;
      if (!url || (url.protocol !== "http:" && url.protocol !== "https:") || url.search || url.hash) {
        ctx.addIssue({
          code: "custom",
          message:
            "must be an http:// or https:// URL without a query or fragment, such as https://crm.example.com",
        });
        return z.NEVER;
      }
      return `${url.origin}${url.pathname.replace(/\/+$/, "")}`;
    })
    .optional(),
  /** booking.reminder is recorded this long before a booking's first item starts. */
  BOOKING_REMINDER_BEFORE_MINUTES: integerFromString(1, 43_200).default(1440),
  /** How long an idle worker waits before asking its queue again (a job sent by this process wakes it at once). */
  JOBS_POLL_INTERVAL_MS: integerFromString(100, 600_000).default(2_000),
  /** A bot's dialog state not written for this many days is forgotten (by an hourly job). */
  BOT_STATE_TTL_DAYS: integerFromString(1, 3650).default(30),
});

export type Config = Readonly<{
  port: number;
  host: string;
  databaseUrl: string | undefined;
  dataDir: string;
  databasePoolSize: number;
  heavyReadsBusyShare: number;
  logLevel: z.infer<typeof configSchema>["LOG_LEVEL"];
  migrateOnStart: boolean;
  auth: "auto" | "on" | "off";
  bootstrapAdminKey: string | undefined;
  corsOrigins: readonly string[];
  bodyLimitBytes: number;
  rateLimitPerMinute: number;
  authFailuresPerMinute: number;
  requestTimeoutMs: number;
  databaseStatementTimeoutMs: number;
  shutdownTimeoutMs: number;
  sweepIntervalMs: number;
  eventPollIntervalMs: number;
  webhookAllowPrivateUrls: boolean;
  webhookPipelining: number;
  workers: boolean;
  jobsPollIntervalMs: number;
  defaultPhoneRegion: CountryCode;
  botStateTtlDays: number;
  timeZone: string;
  bookingReminderBeforeMinutes: number;
  publicUrl: string | undefined;
}>;

export class ConfigError extends Error {
  override name = "ConfigError";
}

/** Parses the environment; throws a ConfigError naming every invalid variable. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  // An empty (or blank) variable (FOO= in .env) means "not set", as most tools read it.
  const present = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value.trim() !== ""),
  );
  const parsed = configSchema.safeParse(present);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join(".")}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join("\n")}`);
  }
  const c = parsed.data;
  return Object.freeze({
    port: c.PORT,
    host: c.HOST,
    databaseUrl: c.DATABASE_URL,
    dataDir: c.DATA_DIR,
    databasePoolSize: c.DATABASE_POOL_SIZE,
    heavyReadsBusyShare: c.HEAVY_READS_BUSY_PERCENT / 100,
    logLevel: c.LOG_LEVEL,
    migrateOnStart: c.MIGRATE_ON_START,
    auth: c.AUTH,
    bootstrapAdminKey: c.BOOTSTRAP_ADMIN_KEY,
    corsOrigins: Object.freeze(c.CORS_ORIGINS ?? []),
    bodyLimitBytes: c.BODY_LIMIT_BYTES,
    rateLimitPerMinute: c.RATE_LIMIT_PER_MINUTE,
    authFailuresPerMinute: c.AUTH_FAILURES_PER_MINUTE,
    requestTimeoutMs: c.REQUEST_TIMEOUT_MS,
    databaseStatementTimeoutMs: c.DATABASE_STATEMENT_TIMEOUT_MS,
    shutdownTimeoutMs: c.SHUTDOWN_TIMEOUT_MS,
    sweepIntervalMs: c.SWEEP_INTERVAL_MS,
    eventPollIntervalMs: c.EVENT_POLL_INTERVAL_MS,
    webhookAllowPrivateUrls: c.WEBHOOK_ALLOW_PRIVATE_URLS,
    webhookPipelining: c.WEBHOOK_PIPELINING,
    workers: c.WORKERS,
    jobsPollIntervalMs: c.JOBS_POLL_INTERVAL_MS,
    defaultPhoneRegion: c.DEFAULT_PHONE_REGION,
    botStateTtlDays: c.BOT_STATE_TTL_DAYS,
    timeZone: c.TIMEZONE,
    bookingReminderBeforeMinutes: c.BOOKING_REMINDER_BEFORE_MINUTES,
    publicUrl: c.PUBLIC_URL,
  });
}
