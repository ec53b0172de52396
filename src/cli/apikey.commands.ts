// The commands of `npm run apikey`, apart from the process (see apikey.ts), so
// tests run them against a service. The key is written once, by `create`, to
// stdout alone; everything else goes to stderr, so `KEY=$(npm run -s apikey -- create ...)`
// captures just the key. Nothing else ever prints a key or its hash.
import { parseArgs } from "node:util";
import { AppError } from "../core/errors.js";
import type { ApiKeyService, ApiKeyView } from "../modules/auth/api-key.service.js";

export const USAGE = `Usage:
  npm run apikey -- create --role <admin|intake|viewer|operator> --label <text>   prints the new key, once
      [--source-ids <id,id,...>]   intake only: the key posts into and reads only these sources
      [--operator-id <id>]         operator (required there, refused elsewhere): the operator the key acts for
  npm run apikey -- list [--json]                                        every key, without secrets
  npm run apikey -- revoke <id>                                          the key stops working within 10 s

Works on the configured database (DATABASE_URL, or the embedded one in DATA_DIR:
stop the service first, the embedded database takes one process at a time).`;

export type Output = { out(line: string): void; err(line: string): void };

export type Command =
  | { name: "create"; role: string; label: string; sourceIds?: number[]; operatorId?: number }
  | { name: "list"; json: boolean }
  | { name: "revoke"; id: number }
  | { name: "help" };

export type Parsed = { command: Command; force: boolean } | { error: string };

export function parseCommand(argv: string[]): Parsed {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    return { error: (error as Error).message };
  }
  const { values, positionals } = parsed;
  const [name, ...rest] = positionals;
  const force = values.force ?? false;
  if (values.help || name === undefined || name === "help") return { command: { name: "help" }, force };
  switch (name) {
    case "create": {
      if (rest.length > 0) return { error: `create takes no positional arguments (got ${rest.join(" ")})` };
      if (values.role === undefined || values.label === undefined) {
        return { error: "create needs --role and --label" };
      }
      const command: Extract<Command, { name: "create" }> = {
        name: "create",
        role: values.role,
        label: values.label,
      };
      if (values["source-ids"] !== undefined) {
        const sourceIds = parseIds(values["source-ids"]);
        if (!sourceIds) {
          return { error: "--source-ids takes source ids separated by commas (positive integers), e.g. 1,2" };
        }
        command.sourceIds = sourceIds;
      }
      if (values["operator-id"] !== undefined) {
        const [operatorId, ...more] = parseIds(values["operator-id"]) ?? [];
        if (operatorId === undefined || more.length > 0) {
          return { error: "--operator-id takes the id of one operator (a positive integer), e.g. 3" };
        }
        command.operatorId = operatorId;
      }
      return { command, force };
    }
    case "list":
      if (rest.length > 0) return { error: "list takes no arguments" };
      return { command: { name: "list", json: values.json ?? false }, force };
    case "revoke": {
      const [id, ...extra] = rest;
      if (
        id === undefined ||
        extra.length > 0 ||
        !/^[1-9][0-9]{0,9}$/.test(id) ||
        Number(id) > 2_147_483_647
      ) {
        return { error: "revoke needs the id of one key (a positive integer; see list)" };
      }
      return { command: { name: "revoke", id: Number(id) }, force };
    }
    default:
      return { error: `unknown command "${name}"` };
  }
}

/** "1, 2,3" -> [1, 2, 3]; null unless every item is a positive 32-bit integer. */
function parseIds(text: string): number[] | null {
  const items = text.split(",").map((item) => item.trim());
  const valid = items.every((item) => /^[1-9][0-9]{0,9}$/.test(item) && Number(item) <= 2_147_483_647);
  return valid ? items.map(Number) : null;
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      role: { type: "string" },
      label: { type: "string" },
      "source-ids": { type: "string" },
      "operator-id": { type: "string" },
      json: { type: "boolean" },
      force: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
}

/** Runs one command; returns the exit code. `actor` is recorded in the audit trail. */
export async function runCommand(
  command: Command,
  apiKeys: Pick<ApiKeyService, "create" | "list" | "revoke">,
  io: Output,
  actor: string,
): Promise<number> {
  try {
    switch (command.name) {
      case "help":
        io.err(USAGE);
        return 0;
      case "create": {
        const { key, apiKey } = await apiKeys.create(
          {
            role: command.role,
            label: command.label,
            sourceIds: command.sourceIds,
            operatorId: command.operatorId,
          },
          actor,
        );
        const scope = apiKey.sourceIds
          ? `, scoped to the sources ${apiKey.sourceIds.join(", ")}`
          : apiKey.operatorId !== null
            ? `, for the operator ${apiKey.operatorId}`
            : "";
        io.err(
          `Created API key ${apiKey.id} "${apiKey.label}" with the role ${apiKey.role}${scope}. ` +
            "This is the only time it is shown: store it now. Send it as Authorization: Bearer <key>.",
        );
        io.out(key);
        return 0;
      }
      case "list": {
        const keys = await apiKeys.list();
        if (command.json) io.out(JSON.stringify(keys.map(toJson), null, 2));
        else for (const line of table(keys)) io.out(line);
        return 0;
      }
      case "revoke": {
        const key = await apiKeys.revoke(command.id, actor);
        io.err(
          `API key ${key.id} "${key.label}" is revoked (since ${key.revokedAt?.toISOString()}); ` +
            "running instances stop accepting it within 10 seconds.",
        );
        return 0;
      }
    }
  } catch (error) {
    if (error instanceof AppError) {
      io.err(`apikey: ${error.message}`);
      return 1;
    }
    throw error;
  }
}

function toJson(key: ApiKeyView) {
  return {
    id: key.id,
    label: key.label,
    role: key.role,
    source_ids: key.sourceIds,
    operator_id: key.operatorId,
    prefix: key.prefix,
    created_at: key.createdAt.toISOString(),
    revoked_at: key.revokedAt?.toISOString() ?? null,
    last_used_at: key.lastUsedAt?.toISOString() ?? null,
  };
}

function table(keys: ApiKeyView[]): string[] {
  if (keys.length === 0) {
    return ['No API keys. Create one with: npm run apikey -- create --role admin --label "ops"'];
  }
  const rows = [
    ["ID", "ROLE", "LABEL", "KEY", "CREATED", "LAST USED", "REVOKED", "SOURCES", "OPERATOR"],
    ...keys.map((key) => [
      String(key.id),
      key.role,
      key.label,
      key.prefix ?? "(bootstrap value)",
      minute(key.createdAt),
      key.lastUsedAt ? minute(key.lastUsedAt) : "never",
      key.revokedAt ? minute(key.revokedAt) : "-",
      key.sourceIds ? key.sourceIds.join(",") : "all",
      key.operatorId === null ? "-" : String(key.operatorId),
    ]),
  ];
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => row[column]?.length ?? 0))) ?? [];
  return rows.map((row) =>
    row
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join("  ")
      .trimEnd(),
  );
}

function minute(date: Date): string {
  return `${date.toISOString().slice(0, 16).replace("T", " ")}Z`;
}
