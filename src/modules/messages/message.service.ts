// Conversations: who may write what on which appeal, and the conversation read back.
import { AppError, ForbiddenError, NotFoundError } from "../../core/errors.js";
import { keysetPage, type Page } from "../../core/page.js";
import type { Role } from "../auth/principal.js";
import type { AppealScope, MessageRepository, MessageRow } from "./message.repository.js";
import type { CreateMessageInput, ListMessagesQuery, MessageDto, MessageSender } from "./message.schemas.js";

/** The senders each role may post as (API.md "Roles"); admin (and open mode) any. */
const SENDERS_OF: Record<Role, readonly MessageSender[]> = {
  admin: ["lead", "bot", "operator"],
  intake: ["lead", "bot"],
  operator: ["operator"],
  viewer: [],
};

/** The caller as the service needs it: its role (null in open mode), its label and its scopes. */
export type MessageCaller = { role: Role | null; actor: string } & AppealScope;

export class MessageService {
  constructor(private readonly messages: MessageRepository) {}

  /**
   * Stores the message (201) or, for an external_id the appeal has already, answers the
   * first message and writes nothing (created: false, a 200). Outside the caller's scope the
   * appeal is missing (404); a closed one is a 409 appeal_closed; an operator message on an
   * appeal without operator a 409 no_operator.
   */
  async post(
    appealId: number,
    input: CreateMessageInput,
    caller: MessageCaller,
  ): Promise<{ message: MessageDto; created: boolean }> {
    if (caller.role !== null && !SENDERS_OF[caller.role].includes(input.sender)) {
      throw new ForbiddenError(
        `A key of role ${caller.role} may post messages as ${SENDERS_OF[caller.role].join(" or ")} only.`,
        [{ path: "sender", message: `not allowed for role ${caller.role}` }],
      );
    }
    const externalId = input.external_id ?? null;
    const result = await this.messages.insert(
      {
        appealId,
        sender: input.sender,
        text: input.text,
        isAiGenerated: input.is_ai_generated,
        externalId,
        attachments: input.attachments.map((attachment) => ({
          kind: attachment.kind,
          url: attachment.url ?? null,
          telegram_file_id: attachment.telegram_file_id ?? null,
          name: attachment.name ?? null,
        })),
      },
      caller,
      caller.actor,
    );
    if (result.outcome === "appeal_not_found") throw appealNotFound(appealId);
    if (result.outcome === "stored") return { message: toMessageDto(result.message), created: true };
    // A retry of a message stored before (even if the appeal closed since): the first answer again.
    if (externalId !== null) {
      const first = await this.messages.findByExternalId(appealId, externalId);
      if (first) return { message: toMessageDto(first), created: false };
    }
    if (result.appealStatus === "closed") {
      throw new AppError(
        "appeal_closed",
        409,
        "The appeal is closed",
        `Appeal ${appealId} is closed: reopen it before adding messages.`,
      );
    }
    if (input.sender === "operator" && result.appealOperatorId === null) {
      throw new AppError(
        "no_operator",
        409,
        "The appeal has no operator",
        `Appeal ${appealId} is pending: no operator can write in it until it is assigned.`,
        [{ path: "sender", message: "the appeal has no operator yet" }],
      );
    }
    // The statement found an open appeal and wrote nothing: only a taken external id does that,
    // and its message was read above. It can be gone only if it never committed; say so.
    throw new Error(`message on appeal ${appealId} was neither stored nor found`);
  }

  /** Oldest first; `cursor` is the last id of the previous page. */
  async list(appealId: number, query: ListMessagesQuery, scope: AppealScope): Promise<Page<MessageDto>> {
    const rows = await this.messages.listForAppeal(appealId, scope, {
      limit: query.limit + 1,
      afterId: query.cursor,
    });
    if (rows === null) throw appealNotFound(appealId);
    return keysetPage(rows, query.limit, toMessageDto);
  }
}

function appealNotFound(id: number): NotFoundError {
  return new NotFoundError(`Appeal ${id} does not exist.`);
}

export function toMessageDto(row: MessageRow): MessageDto {
  return {
    id: row.id,
    appeal_id: row.appeal_id,
    sender: row.sender,
    operator_id: row.operator_id,
    text: row.text,
    is_ai_generated: row.is_ai_generated,
    external_id: row.external_id,
    attachments: row.attachments,
    created_at: row.created_at.toISOString(),
  };
}
