// Bot scripts as the API shows them: the routes' answers and the data of their events.
import type { BotScript, BotScriptVersion } from "../../generated/prisma/client.js";
import type { BotScriptDto, BotScriptVersionDto } from "./bot-script.schemas.js";

/** A script with its current version's content. */
export type BotScriptRecord = BotScript & { content: string };

export function toBotScriptDto(script: BotScriptRecord): BotScriptDto {
  return {
    id: script.id,
    name: script.name,
    version: script.version,
    content: script.content,
    created_at: script.createdAt.toISOString(),
    updated_at: script.updatedAt.toISOString(),
  };
}

export function toBotScriptVersionDto(version: BotScriptVersion): BotScriptVersionDto {
  return {
    bot_script_id: version.scriptId,
    version: version.version,
    content: version.content,
    created_at: version.createdAt.toISOString(),
  };
}
