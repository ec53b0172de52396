// Bot scripts: create, list, read, change (a new content is a new version) and read the versions.
// A scoped intake key reads only the scripts its sources name; any other is the 404 of a missing one.
import { NotFoundError } from "../../core/errors.js";
import { keysetPage, type Page } from "../../core/page.js";
import { toBotScriptDto, toBotScriptVersionDto } from "./bot-script.dto.js";
import type { BotScriptRepository, ScriptScope } from "./bot-script.repository.js";
import type {
  BotScriptDto,
  BotScriptVersionDto,
  CreateBotScriptInput,
  ListBotScriptsQuery,
  ListBotScriptVersionsQuery,
  UpdateBotScriptInput,
} from "./bot-script.schemas.js";

export class BotScriptService {
  constructor(private readonly scripts: BotScriptRepository) {}

  async create(input: CreateBotScriptInput, actor: string): Promise<BotScriptDto> {
    return toBotScriptDto(await this.scripts.create(input.name, input.content, actor));
  }

  async list(query: ListBotScriptsQuery): Promise<Page<BotScriptDto>> {
    const rows = await this.scripts.list({ limit: query.limit + 1, afterId: query.cursor });
    return keysetPage(rows, query.limit, toBotScriptDto);
  }

  async get(id: number, scope: ScriptScope = null): Promise<BotScriptDto> {
    const script = await this.scripts.findById(id, scope);
    if (!script) throw scriptNotFound(id);
    return toBotScriptDto(script);
  }

  async update(id: number, input: UpdateBotScriptInput, actor: string): Promise<BotScriptDto> {
    const script = await this.scripts.update(id, input, actor);
    if (!script) throw scriptNotFound(id);
    return toBotScriptDto(script);
  }

  /** Oldest first; `cursor` is the last version of the previous page. */
  async listVersions(
    id: number,
    query: ListBotScriptVersionsQuery,
    scope: ScriptScope = null,
  ): Promise<Page<BotScriptVersionDto>> {
    const rows = await this.scripts.listVersions(id, scope, {
      limit: query.limit + 1,
      afterVersion: query.cursor,
    });
    if (rows === null) throw scriptNotFound(id);
    // A version's number is its place in the page, as an id is elsewhere.
    return keysetPage(
      rows.map((row) => ({ id: row.version, row })),
      query.limit,
      ({ row }) => toBotScriptVersionDto(row),
    );
  }
}

function scriptNotFound(id: number): NotFoundError {
  return new NotFoundError(`Bot script ${id} does not exist.`);
}
