// What the contacts phase searches for, taken from the filled leads: phones in another format
// than the one stored, surnames with a one-letter typo, and a surname nobody has.
import { query } from "./database.js";

export type PhoneTerm = { leadId: number; text: string };
export type TypoTerm = { surname: string; text: string; matches: number };

/** A surname the fill never makes (checked: the phase counts its matches, which must be none). */
export const NOBODY = "Тихомиров";

/** "+79161234567" as "8 (916) 123-45-67", the form a Russian admin types. */
export function russianDialled(e164: string): string {
  const n = e164.slice(2);
  return `8 (${n.slice(0, 3)}) ${n.slice(3, 6)}-${n.slice(6, 8)}-${n.slice(8, 10)}`;
}

/**
 * Twenty Russian leads spread over the table (ordered by a hash of the id), ten by their first
 * phone and ten by their second, each stored in another format than "8 (...)".
 */
export async function phoneTerms(url: string): Promise<PhoneTerm[]> {
  const rows = await query<{ id: number; e164: string }>(
    url,
    `(SELECT id, phone_e164 AS e164 FROM leads
      WHERE external_id LIKE 'contacts-lead-%' AND phone_e164 LIKE '+79%' AND phone NOT LIKE '8 (%'
      ORDER BY hashint4(id) LIMIT 10)
     UNION ALL
     (SELECT id, second_phone_e164 FROM leads
      WHERE external_id LIKE 'contacts-lead-%' AND second_phone_e164 LIKE '+79%' AND second_phone NOT LIKE '8 (%'
      ORDER BY hashint4(id) LIMIT 10)`,
  );
  return rows.map((row) => ({ leadId: row.id, text: russianDialled(row.e164) }));
}

const SWAPS: Record<string, string> = {
  а: "о",
  о: "а",
  е: "и",
  и: "е",
  у: "ю",
  ы: "и",
  я: "а",
  ё: "о",
  н: "м",
  р: "л",
  л: "р",
  в: "ф",
  к: "г",
  a: "e",
  e: "a",
  i: "y",
  o: "u",
  u: "o",
  y: "i",
  n: "m",
  r: "l",
  l: "r",
  t: "d",
};

/** One letter of the middle changed as people mistype it: Кузнецов as Кузницов. Null when none can be. */
export function typoOf(word: string): string | null {
  const middle = Math.floor(word.length / 2);
  for (const offset of [0, 1, -1, 2, -2]) {
    const at = middle + offset;
    const swap = SWAPS[word[at] ?? ""];
    if (at > 0 && at < word.length - 1 && swap) return word.slice(0, at) + swap + word.slice(at + 1);
  }
  return null;
}

/**
 * The surnames of twenty leads spread over the table, as admins look people up: a common surname
 * comes up as often as its bearers, so the sample weighs surnames by how many leads have them.
 * Each with a typo the search still tolerates for that lead (its `%>` holds, as the service's
 * search tests it) and that still resembles it most (no other lead's name is more similar: a
 * typo can land nearer another surname, Hartham as Hardham, and then its namesakes rightly come
 * after), and how many leads that typo matches.
 */
export async function typoTerms(url: string): Promise<TypoTerm[]> {
  const leads = await query<{ id: number; last_name: string }>(
    url,
    `SELECT id, last_name FROM leads
     WHERE external_id LIKE 'contacts-lead-%' AND length(last_name) >= 7
     ORDER BY hashint4(id + 1) LIMIT 40`,
  );
  const terms: TypoTerm[] = [];
  for (const lead of leads) {
    const text = typoOf(lead.last_name);
    if (text === null || terms.length === 20) continue;
    const [row] = await query<{ tolerated: boolean; nearest: boolean; matches: number }>(
      url,
      `SELECT l.search_name %> $2 AS tolerated, word_similarity($2, l.search_name) >= m.best AS nearest,
              m.matches
       FROM leads l,
            (SELECT count(*)::int AS matches, max(word_similarity($2, search_name)) AS best
             FROM leads WHERE search_name %> $2) m
       WHERE l.id = $1`,
      [lead.id, searchForm(text)],
    );
    if (row?.tolerated && row.nearest) terms.push({ surname: lead.last_name, text, matches: row.matches });
  }
  return terms;
}

/** As the service compares names (searchableName): lower case, ё as е. */
export function searchForm(text: string): string {
  return text.toLowerCase().replaceAll("ё", "е");
}
