// The bots' dialog state: read, written whole under an optional version check, deleted, and
// forgotten once idle for the configured number of days.
import { AppError, NotFoundError } from "../../core/errors.js";
import type { Clock } from "../../core/ports.js";
import type { SourceScope } from "../appeals/appeal.repository.js";
import type { BotStateKey, BotStateLookup, BotStateRepository, BotStateRow } from "./bot-state.repository.js";
import type { BotStateDto, PutBotStateInput } from "./bot-state.schemas.js";
import type { IfMatch, Precondition } from "./precondition.js";

/** How many idle states one purge statement forgets; the job repeats until fewer are left. */
const PURGE_BATCH = 1000;
const DAY_MS = 24 * 60 * 60 * 1000;

export class BotStateService {
  constructor(
    private readonly states: BotStateRepository,
    private readonly clock: Clock,
    /** BOT_STATE_TTL_DAYS: a state not written for this long is forgotten by the purge. */
    private readonly ttlDays: number,
  ) {}

  /** A deleted state is the 404 of one never written. */
  async get(key: BotStateKey, sources: SourceScope): Promise<BotStateDto> {
    const found = await this.states.lookup(inScope(key, sources));
    if (found.source === "missing") throw sourceNotFound(key.sourceId);
    if (found.state === null) throw stateNotFound(key);
    return toBotStateDto(found.state);
  }

  /** Replaces the state whole; `created` when the chat had none (201). Refusals write nothing. */
  async put(
    key: BotStateKey,
    input: PutBotStateInput,
    precondition: Precondition,
    sources: SourceScope,
  ): Promise<{ state: BotStateDto; created: boolean }> {
    const content = { state: input.state, data: input.data ?? {} };
    const written = await this.states.write(inScope(key, sources), content, precondition, this.clock.now());
    if (written) return { state: toBotStateDto(written.state), created: written.created };
    // Refused in the statement; this read only says why (the state as it is now).
    const found = await this.states.lookup(key);
    if (found.source === "missing") throw sourceNotFound(key.sourceId);
    if (found.source === "archived") throw sourceArchived(key.sourceId);
    throw preconditionFailed(key, precondition, found);
  }

  /** Without If-Match, deleting a chat with no state is a 204 too: the outcome asked for holds. */
  async delete(key: BotStateKey, precondition: IfMatch, sources: SourceScope): Promise<void> {
    const expected = precondition.kind === "version" ? precondition.version : null;
    if (await this.states.delete(inScope(key, sources), expected, this.clock.now())) return;
    const found = await this.states.lookup(key);
    if (found.source === "missing") throw sourceNotFound(key.sourceId);
    if (precondition.kind !== "none") throw preconditionFailed(key, precondition, found);
  }

  /**
   * Forgets the states (and tombstones) not written for ttlDays by this service's clock, the one
   * that stamps every write, in batches so no statement runs long; returns how many.
   */
  async forgetIdle(options: { batchSize?: number } = {}): Promise<number> {
    const batchSize = options.batchSize ?? PURGE_BATCH;
    const before = new Date(this.clock.now().getTime() - this.ttlDays * DAY_MS);
    let total = 0;
    for (;;) {
      const count = await this.states.deleteIdle(before, batchSize);
      total += count;
      if (count < batchSize) return total;
    }
  }
}

export function toBotStateDto(row: BotStateRow): BotStateDto {
  return {
    source_id: row.source_id,
    chat_id: row.chat_id,
    state: row.state,
    data: row.data,
    version: row.version,
    updated_at: row.updated_at.toISOString(),
  };
}

/**
 * A key with source_ids reaches its own sources only: another source is the 404 of a missing
 * one, thrown before any statement runs, so nothing of it is read or written.
 */
function inScope(key: BotStateKey, sources: SourceScope): BotStateKey {
  if (sources !== null && !sources.includes(key.sourceId)) throw sourceNotFound(key.sourceId);
  return key;
}

function sourceNotFound(id: number): NotFoundError {
  return new NotFoundError(`Source ${id} does not exist; nothing was stored.`, [
    { path: "source_id", message: `source ${id} does not exist` },
  ]);
}

/** Its bot's states stay readable and deletable; it takes no new writes, as it takes no appeals. */
function sourceArchived(id: number): NotFoundError {
  return new NotFoundError(`Source ${id} is archived; nothing was stored.`, [
    { path: "source_id", message: `source ${id} is archived` },
  ]);
}

function stateNotFound(key: BotStateKey): NotFoundError {
  return new NotFoundError(`Chat ${JSON.stringify(key.chatId)} of source ${key.sourceId} has no state.`, [
    { path: "chat_id", message: "has no state" },
  ]);
}

/**
 * A 412 naming the header whose condition failed, and the state as it is now (read after the
 * refusal: it may have moved again since).
 */
function preconditionFailed(key: BotStateKey, precondition: Precondition, found: BotStateLookup): AppError {
  const chat = `Chat ${JSON.stringify(key.chatId)} of source ${key.sourceId}`;
  const current = found.source === "missing" ? null : found.state;
  const now = current === null ? "has no state" : `is at version ${current.version}`;
  let header: string;
  let condition: string;
  switch (precondition.kind) {
    case "absent":
      header = "if-none-match";
      condition = "If-None-Match is * (create only)";
      break;
    case "version":
      header = "if-match";
      condition = `If-Match is "${precondition.version}"`;
      break;
    case "exists":
      header = "if-match";
      condition = "If-Match is * (an existing state only)";
      break;
    default:
      // An unconditional write over a live source always writes: the statement refused for a reason
      // the read after it no longer sees.
      throw new Error(`${chat}: an unconditional write was refused`);
  }
  return new AppError(
    "precondition_failed",
    412,
    "Precondition failed",
    `${chat} ${now}, and ${condition}; nothing was written.`,
    [
      {
        path: header,
        message: current === null ? "the chat has no state" : `the state is at version ${current.version}`,
      },
    ],
  );
}
