// npm run db:seed: an appeal's conversation after the lead's first message (which the intake
// stored): the bot answers, some of it AI-generated; the operator holding the appeal replies;
// a pending appeal hears that it waits. Through MessageService, as a bot and an admin would post.
import { faker } from "@faker-js/faker";
import type { Deps } from "../deps.js";
import type { AppealCreatedDto } from "../modules/appeals/appeal.schemas.js";
import { createMessageBodySchema } from "../modules/messages/message.schemas.js";
import type { MessageCaller } from "../modules/messages/message.service.js";
import {
  botAnswer,
  botGreeting,
  botHandover,
  botQueued,
  leadFollowUp,
  leadThanks,
  operatorReply,
} from "./seed-dialogue.js";

/** Messages written, by sender, and how many of the bots' were AI-generated. */
export type MessageTally = { lead: number; bot: number; operator: number; aiGenerated: number };

export const emptyMessageTally = (): MessageTally => ({ lead: 0, bot: 0, operator: 0, aiGenerated: 0 });

/** Open mode's caller: any sender; an operator message is the appeal's current operator's. */
const SEED_CALLER: MessageCaller = { role: null, actor: "seed", sources: null, operator: null };

type Said = { sender: "lead" | "bot" | "operator"; text: string; ai?: boolean; attachments?: object[] };

export async function converse(
  deps: Deps,
  appeal: AppealCreatedDto,
  lead: { name: string | null; viaTelegram: boolean },
  tally: MessageTally,
): Promise<void> {
  if (appeal.message) tally.lead += 1; // message 1, stored by the intake
  const said: Said[] = [{ sender: "bot", text: botGreeting(lead.name), ai: faker.datatype.boolean(0.4) }];
  if (appeal.operator === null) {
    said.push({ sender: "bot", text: botQueued() });
  } else {
    if (faker.datatype.boolean(0.6))
      said.push({ sender: "bot", text: botAnswer(), ai: faker.datatype.boolean(0.7) });
    said.push({ sender: "bot", text: botHandover() });
    // Operators write only on appeals they hold: this one is active with them.
    if (faker.datatype.boolean(0.8)) {
      const catalogue = faker.datatype.boolean(0.3);
      said.push({
        sender: "operator",
        text: operatorReply(appeal.operator.name),
        ...(catalogue && {
          attachments: [
            { kind: "document", url: "https://acme.example/catalogue.pdf", name: "catalogue.pdf" },
          ],
        }),
      });
      if (faker.datatype.boolean(0.5)) said.push({ sender: "lead", text: leadThanks() });
    }
  }
  if (faker.datatype.boolean(0.3)) {
    const photo = lead.viaTelegram && faker.datatype.boolean(0.5);
    said.push({
      sender: "lead",
      text: leadFollowUp(),
      ...(photo && {
        attachments: [{ kind: "photo", telegram_file_id: `AgACAgIAAx${faker.string.alphanumeric(24)}` }],
      }),
    });
  }
  for (const [index, message] of said.entries()) {
    const body = createMessageBodySchema.parse({
      text: message.text,
      sender: message.sender,
      is_ai_generated: message.ai ?? false,
      // The bot's own message ids, as a bot sends them (a retry would write nothing).
      ...(message.sender !== "operator" && { external_id: `seed-${appeal.appeal_id}-${index + 2}` }),
      ...(message.attachments && { attachments: message.attachments }),
    });
    await deps.messages.post(appeal.appeal_id, body, SEED_CALLER);
    tally[message.sender] += 1;
    if (body.is_ai_generated) tally.aiGenerated += 1;
  }
}
