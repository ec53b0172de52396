// Sticky conversations: a lead's message through a source goes to its open appeal of that
// source, so the lead stays with the operator who knows the conversation, or opens one through
// distribution (the intake, with the message as message 1), creating the lead if new.
import { NotFoundError } from "../../core/errors.js";
import { type DistributionMetrics, NO_METRICS } from "../../core/ports.js";
import type { SqlClient, SqlTransactions } from "../../db/sql.js";
import type { AppealRepository, SourceScope } from "../appeals/appeal.repository.js";
import type { DistributionService } from "../appeals/distribution.service.js";
import { DEFAULT_PHONE_REGION, type PhoneRegion, toE164 } from "../leads/phone.js";
import type { MessageRepository } from "./message.repository.js";
import { toMessageDto } from "./message.service.js";
import type { LeadMessage, StickyRepository } from "./sticky.repository.js";
import type { CreateLeadMessageInput, LeadMessagePostedDto } from "./sticky.schemas.js";

/** The caller as the service needs it: its label (the events' actor) and a scoped intake key's sources. */
export type StickyCaller = { actor: string; sources: SourceScope };

type Handled =
  | { outcome: "added" | "repeated"; posted: LeadMessagePostedDto }
  | { outcome: "taken"; posted: Omit<LeadMessagePostedDto, "message"> }
  | { outcome: "opened"; appealId: number; status: "pending" | "active" | "closed" }
  | { outcome: "unknown_source" };

export class StickyConversationService {
  constructor(
    private readonly transaction: SqlTransactions,
    private readonly sticky: StickyRepository,
    private readonly distribution: DistributionService,
    private readonly appeals: AppealRepository,
    private readonly messages: MessageRepository,
    private readonly metrics: DistributionMetrics = NO_METRICS,
    /** Where a phone without a country code is read (DEFAULT_PHONE_REGION). */
    private readonly phoneRegion: PhoneRegion = DEFAULT_PHONE_REGION,
  ) {}

  /**
   * Adds the message to the lead's open appeal of the source, or opens one (appeal_created), in
   * one transaction under the lock of StickyRepository (ONE OPEN CONVERSATION). `replayed`: the
   * message external_id was stored before, which is answered and nothing written (a 200). A
   * source outside the caller's scope is the 404 of an unknown one, before anything is read.
   */
  async post(
    leadExternalId: string,
    input: CreateLeadMessageInput,
    caller: StickyCaller,
  ): Promise<{ posted: LeadMessagePostedDto; replayed: boolean }> {
    if (caller.sources && !caller.sources.includes(input.source_id)) throw sourceNotFound(input.source_id);
    const message: LeadMessage = {
      sourceId: input.source_id,
      leadExternalId,
      sender: input.sender,
      text: input.text,
      isAiGenerated: input.is_ai_generated,
      externalId: input.external_id ?? null,
      profile: {
        name: nonEmpty(input.lead_name),
        phone: nonEmpty(input.lead_phone),
        // A phone that does not parse is kept as sent (phone_e164 null), as at intake.
        phoneE164: toE164(nonEmpty(input.lead_phone), this.phoneRegion),
        email: nonEmpty(input.lead_email),
      },
    };
    const handled = await this.transaction((tx) => this.handle(tx, message, caller.actor));
    switch (handled.outcome) {
      case "added":
        return { posted: handled.posted, replayed: false };
      case "repeated":
        return { posted: handled.posted, replayed: true };
      case "taken":
        return { posted: await this.withStoredMessage(handled.posted, message), replayed: true };
      case "unknown_source":
        throw sourceNotFound(input.source_id, await this.appeals.isSourceArchived(input.source_id));
      case "opened":
        return {
          posted: await this.opened(handled.appealId, handled.status, message, caller.actor),
          replayed: false,
        };
    }
  }

  /** Under the lock: the open appeal, else a new one through the intake statement, in `tx`. */
  private async handle(tx: SqlClient, message: LeadMessage, actor: string): Promise<Handled> {
    await this.sticky.lock(tx, message.sourceId, message.leadExternalId);
    const added = await this.sticky.addToOpenAppeal(tx, message, actor);
    switch (added.outcome) {
      case "added":
      case "repeated":
        return { outcome: added.outcome, posted: { ...added, appeal_created: false } };
      case "taken":
        return { outcome: "taken", posted: { appeal: added.appeal, appeal_created: false } };
    }
    const stored = await this.distribution.intakeWithin(
      tx,
      {
        sourceId: message.sourceId,
        leadExternalId: message.leadExternalId,
        leadName: message.profile.name,
        leadPhone: message.profile.phone,
        leadPhoneE164: message.profile.phoneE164,
        leadEmail: message.profile.email,
        message: message.text,
        // The message's external_id is this route's idempotency (on message 1 too).
        idempotencyKey: null,
        requestHash: null,
        idempotencyScope: 0,
        firstMessage: {
          sender: message.sender,
          isAiGenerated: message.isAiGenerated,
          externalId: message.externalId,
        },
      },
      actor,
    );
    if (stored.outcome === "unknown_source") return { outcome: "unknown_source" };
    if (stored.outcome === "key_taken")
      throw new Error("an intake without an idempotency key found its key taken");
    return { outcome: "opened", appealId: stored.id, status: stored.status };
  }

  /** Once the new appeal committed: its queue drained if it waits (as after POST /appeals), then the answer. */
  private async opened(
    appealId: number,
    status: "pending" | "active" | "closed",
    message: LeadMessage,
    actor: string,
  ): Promise<LeadMessagePostedDto> {
    if (status === "pending")
      await this.distribution.drainAfterPendingIntake(message.sourceId, appealId, actor);
    const opened = await this.sticky.findOpened(appealId);
    if (!opened) throw new Error(`appeal ${appealId}, opened by a sticky message, cannot be read`);
    this.metrics.appealCreated(opened.appeal.status);
    return { ...opened, appeal_created: true };
  }

  /** The message a POST /appeals/{id}/messages stored under this external id while this request waited. */
  private async withStoredMessage(
    posted: Omit<LeadMessagePostedDto, "message">,
    message: LeadMessage,
  ): Promise<LeadMessagePostedDto> {
    const stored = await this.messages.findByExternalId(posted.appeal.id, message.externalId as string);
    if (!stored)
      throw new Error(
        `message ${message.externalId} of appeal ${posted.appeal.id} was neither stored nor found`,
      );
    return { ...posted, message: toMessageDto(stored) };
  }
}

/** Also what a scoped key gets for a source outside its scope: ids do not leak. */
function sourceNotFound(id: number, archived = false): NotFoundError {
  const what = archived ? "is archived" : "does not exist";
  return new NotFoundError(`Source ${id} ${what}; nothing was stored.`, [
    { path: "source_id", message: `source ${id} ${what}` },
  ]);
}

function nonEmpty(value: string | undefined): string | null {
  return value === undefined || value === "" ? null : value;
}
