import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config.js";

function configError(env: Record<string, string | undefined>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

describe("loadConfig", () => {
  it("has working defaults for an empty environment", () => {
    expect(loadConfig({})).toEqual({
      port: 3000,
      host: "127.0.0.1",
      databaseUrl: undefined,
      dataDir: "./data",
      databasePoolSize: 10,
      heavyReadsBusyShare: 0.25,
      logLevel: "info",
      migrateOnStart: true,
      auth: "auto",
      bootstrapAdminKey: undefined,
      corsOrigins: [],
      bodyLimitBytes: 1_048_576,
      rateLimitPerMinute: 6000,
      authFailuresPerMinute: 30,
      requestTimeoutMs: 10_000,
      databaseStatementTimeoutMs: 5_000,
      shutdownTimeoutMs: 10_000,
      sweepIntervalMs: 5_000,
      eventPollIntervalMs: 100,
      webhookAllowPrivateUrls: false,
      webhookPipelining: 16,
      workers: true,
      jobsPollIntervalMs: 2_000,
      defaultPhoneRegion: "RU",
      botStateTtlDays: 30,
      timeZone: "UTC",
      bookingReminderBeforeMinutes: 1440,
      publicUrl: undefined,
    });
  });

  it("reads every variable", () => {
    expect(
      loadConfig({
        PORT: "8080",
        HOST: "0.0.0.0",
        DATABASE_URL: "postgresql://app:secret@db:5432/leads",
        DATA_DIR: "/var/lib/leads",
        DATABASE_POOL_SIZE: "25",
        HEAVY_READS_BUSY_PERCENT: "40",
        LOG_LEVEL: "debug",
        MIGRATE_ON_START: "false",
        AUTH: "on",
        BOOTSTRAP_ADMIN_KEY: "k".repeat(40),
        CORS_ORIGINS: "https://a.example, https://b.example",
        BODY_LIMIT_BYTES: "65536",
        RATE_LIMIT_PER_MINUTE: "0",
        AUTH_FAILURES_PER_MINUTE: "5",
        REQUEST_TIMEOUT_MS: "3000",
        DATABASE_STATEMENT_TIMEOUT_MS: "2000",
        SHUTDOWN_TIMEOUT_MS: "500",
        SWEEP_INTERVAL_MS: "0",
        EVENT_POLL_INTERVAL_MS: "250",
        WEBHOOK_ALLOW_PRIVATE_URLS: "true",
        WEBHOOK_PIPELINING: "1",
        WORKERS: "false",
        JOBS_POLL_INTERVAL_MS: "250",
        DEFAULT_PHONE_REGION: " de ",
        BOT_STATE_TTL_DAYS: "7",
        TIMEZONE: "europe/berlin",
        BOOKING_REMINDER_BEFORE_MINUTES: "90",
        PUBLIC_URL: "https://crm.example.com/club/",
      }),
    ).toEqual({
      port: 8080,
      host: "0.0.0.0",
      databaseUrl: "postgresql://app:secret@db:5432/leads",
      dataDir: "/var/lib/leads",
      databasePoolSize: 25,
      heavyReadsBusyShare: 0.4,
      logLevel: "debug",
      migrateOnStart: false,
      auth: "on",
      bootstrapAdminKey: "k".repeat(40),
      corsOrigins: ["https://a.example", "https://b.example"],
      bodyLimitBytes: 65_536,
      rateLimitPerMinute: 0,
      authFailuresPerMinute: 5,
      requestTimeoutMs: 3_000,
      databaseStatementTimeoutMs: 2_000,
      shutdownTimeoutMs: 500,
      sweepIntervalMs: 0,
      eventPollIntervalMs: 250,
      webhookAllowPrivateUrls: true,
      webhookPipelining: 1,
      workers: false,
      jobsPollIntervalMs: 250,
      defaultPhoneRegion: "DE",
      botStateTtlDays: 7,
      timeZone: "Europe/Berlin",
      bookingReminderBeforeMinutes: 90,
      publicUrl: "https://crm.example.com/club",
    });
  });

  it("accepts postgres:// as well as postgresql://, and port 0 (any free port)", () => {
    expect(loadConfig({ DATABASE_URL: "postgres://u@h/db", PORT: "0" })).toMatchObject({
      databaseUrl: "postgres://u@h/db",
      port: 0,
    });
  });

  it.each([
    ["true", true],
    ["1", true],
    ["yes", true],
    ["false", false],
    ["0", false],
    ["no", false],
  ])("reads MIGRATE_ON_START=%s as %s", (value, expected) => {
    expect(loadConfig({ MIGRATE_ON_START: value }).migrateOnStart).toBe(expected);
  });

  it.each(["fatal", "error", "warn", "info", "debug", "trace", "silent"])("reads LOG_LEVEL=%s", (level) => {
    expect(loadConfig({ LOG_LEVEL: level }).logLevel).toBe(level);
  });

  it.each(["auto", "on", "off"])("reads AUTH=%s", (mode) => {
    expect(loadConfig({ AUTH: mode }).auth).toBe(mode);
  });

  it("ignores variables it does not know", () => {
    expect(loadConfig({ PATH: "/usr/bin", NODE_ENV: "production" })).toEqual(loadConfig({}));
  });

  it.each([
    ["PORT", "abc"],
    ["PORT", "65536"],
    ["PORT", "-1"],
    ["PORT", "80.5"],
    ["PORT", "1e3"],
    ["PORT", "0x50"],
    ["DATABASE_URL", "mysql://x"],
    ["DATABASE_URL", "localhost:5432"],
    ["WEBHOOK_PIPELINING", "0"],
    ["WEBHOOK_PIPELINING", "65"],
    ["DATABASE_POOL_SIZE", "0"],
    ["DATABASE_POOL_SIZE", "501"],
    ["DATABASE_POOL_SIZE", "many"],
    ["HEAVY_READS_BUSY_PERCENT", "0"],
    ["HEAVY_READS_BUSY_PERCENT", "101"],
    ["LOG_LEVEL", "loud"],
    ["LOG_LEVEL", "INFO"],
    ["MIGRATE_ON_START", "maybe"],
    ["AUTH_FAILURES_PER_MINUTE", "-1"],
    ["AUTH_FAILURES_PER_MINUTE", "1000001"],
    ["AUTH_FAILURES_PER_MINUTE", "ten"],
    ["WORKERS", "sometimes"],
    ["JOBS_POLL_INTERVAL_MS", "99"],
    ["JOBS_POLL_INTERVAL_MS", "600001"],
    ["DEFAULT_PHONE_REGION", "XX"],
    ["DEFAULT_PHONE_REGION", "Russia"],
    ["BOT_STATE_TTL_DAYS", "0"],
    ["BOT_STATE_TTL_DAYS", "3651"],
    ["BOT_STATE_TTL_DAYS", "1.5"],
    ["TIMEZONE", "Mars/Olympus_Mons"],
    ["TIMEZONE", "+03:00"],
    ["TIMEZONE", "Moscow"],
    ["BOOKING_REMINDER_BEFORE_MINUTES", "0"],
    ["BOOKING_REMINDER_BEFORE_MINUTES", "43201"],
    ["PUBLIC_URL", "crm.example.com"],
    ["PUBLIC_URL", "ftp://crm.example.com"],
    ["PUBLIC_URL", "https://crm.example.com/?a=1"],
    ["PUBLIC_URL", "https://crm.example.com/#top"],
  ])("%s=%s throws a ConfigError naming the variable", (name, value) => {
    const error = configError({ [name]: value });
    expect(error.name).toBe("ConfigError");
    expect(error.message).toMatch(new RegExp(`^Invalid configuration:\\n {2}${name}: .+`));
  });

  it("names every invalid variable at once, and no valid one", () => {
    const error = configError({ PORT: "abc", LOG_LEVEL: "loud", HOST: "example.org" });
    const lines = error.message.split("\n").slice(1);
    expect(lines.map((line) => line.trim().split(":")[0])).toEqual(["PORT", "LOG_LEVEL"]);
  });

  it("does not echo a rejected DATABASE_URL's password", () => {
    const error = configError({ DATABASE_URL: "mysql://root:hunter2@db/x" });
    expect(error.message).not.toContain("hunter2");
  });

  it("reads PUBLIC_URL as the calendar feeds' base: no trailing slash, the host as URL writes it", () => {
    expect(loadConfig({ PUBLIC_URL: "https://CRM.example.com" }).publicUrl).toBe("https://crm.example.com");
    expect(loadConfig({ PUBLIC_URL: "http://10.0.0.5:8080///" }).publicUrl).toBe("http://10.0.0.5:8080");
  });

  it("treats an empty or blank variable as unset", () => {
    expect(
      loadConfig({
        PORT: "",
        HOST: "",
        DATABASE_URL: "",
        DATA_DIR: " ",
        DATABASE_POOL_SIZE: "",
        LOG_LEVEL: "",
        MIGRATE_ON_START: "  ",
        UNRELATED: undefined,
      }),
    ).toEqual(loadConfig({}));
  });

  it("reads AUTH_FAILURES_PER_MINUTE=0 as no limit on failed authentication", () => {
    expect(loadConfig({ AUTH_FAILURES_PER_MINUTE: "0" }).authFailuresPerMinute).toBe(0);
  });

  it("reads a number with blanks around it", () => {
    expect(loadConfig({ PORT: " 8080 ", RATE_LIMIT_PER_MINUTE: "\t120\n" })).toMatchObject({
      port: 8080,
      rateLimitPerMinute: 120,
    });
  });

  it("trims CORS_ORIGINS entries and drops empty ones", () => {
    expect(loadConfig({ CORS_ORIGINS: " https://a.example ,, https://b.example , ," }).corsOrigins).toEqual([
      "https://a.example",
      "https://b.example",
    ]);
    expect(loadConfig({ CORS_ORIGINS: " , " }).corsOrigins).toEqual([]);
    expect(Object.isFrozen(loadConfig({ CORS_ORIGINS: "*" }).corsOrigins)).toBe(true);
  });

  it.each([
    ["BOOTSTRAP_ADMIN_KEY", "k".repeat(32), "k".repeat(32)],
    ["BOOTSTRAP_ADMIN_KEY", "k".repeat(200), "k".repeat(200)],
    ["BODY_LIMIT_BYTES", "1024", 1024],
    ["BODY_LIMIT_BYTES", "104857600", 104_857_600],
    ["DATABASE_POOL_SIZE", "1", 1],
    ["DATABASE_POOL_SIZE", "500", 500],
    ["AUTH_FAILURES_PER_MINUTE", "1000000", 1_000_000],
    ["SHUTDOWN_TIMEOUT_MS", "0", 0],
    ["REQUEST_TIMEOUT_MS", "100", 100],
  ])("accepts %s=%s, at the edge of its range", (name, value, expected) => {
    const keys: Record<string, string> = {
      BOOTSTRAP_ADMIN_KEY: "bootstrapAdminKey",
      BODY_LIMIT_BYTES: "bodyLimitBytes",
      DATABASE_POOL_SIZE: "databasePoolSize",
      AUTH_FAILURES_PER_MINUTE: "authFailuresPerMinute",
      SHUTDOWN_TIMEOUT_MS: "shutdownTimeoutMs",
      REQUEST_TIMEOUT_MS: "requestTimeoutMs",
    };
    expect(loadConfig({ [name]: value })[keys[name] as keyof ReturnType<typeof loadConfig>]).toEqual(
      expected,
    );
  });

  it.each([
    ["BOOTSTRAP_ADMIN_KEY", "k".repeat(31), "must be at least 32 characters"],
    ["BOOTSTRAP_ADMIN_KEY", "k".repeat(201), "Too big: expected string to have <=200 characters"],
    ["BODY_LIMIT_BYTES", "1023", "Too small: expected number to be >=1024"],
    ["BODY_LIMIT_BYTES", "104857601", "Too big: expected number to be <=104857600"],
    ["DATABASE_URL", "jdbc:postgresql://db/leads", "must be a postgresql:// URL"],
    ["PORT", "80 80", "must be a whole number"],
    ["AUTH", "maybe", 'Invalid option: expected one of "auto"|"on"|"off"'],
  ])("refuses %s=%s: %s", (name, value, message) => {
    expect(configError({ [name]: value }).message).toBe(`Invalid configuration:\n  ${name}: ${message}`);
  });

  it("returns a frozen object", () => {
    const config = loadConfig({ PORT: "4000" });
    expect(Object.isFrozen(config)).toBe(true);
    expect(() => {
      (config as { port: number }).port = 1;
    }).toThrow(TypeError);
    expect(config.port).toBe(4000);
  });
});
