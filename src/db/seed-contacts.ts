// npm run db:seed: the leads as contacts, after their appeals. Each lead's profile (seed-profiles.ts)
// completed as an admin would (PATCH /leads/{id}: name parts, second phone, company, tags, blocked),
// consent given by some (PUT /leads/{id}/consent), and the bots' materials library with the leads'
// views of it and a few button clicks (POST /materials, POST /activities). Through the services.
import type { Deps } from "../deps.js";
import type { ActivityScope } from "../modules/activities/activity.repository.js";
import { createActivityBodySchema } from "../modules/activities/activity.schemas.js";
import { MATERIAL_VIEWED } from "../modules/activities/activity-types.js";
import { consentBodySchema, updateLeadBodySchema } from "../modules/leads/lead.schemas.js";
import { createMaterialBodySchema } from "../modules/materials/material.schemas.js";
import type { DemoProfile } from "./seed-profiles.js";

export type ContactTally = {
  profiles: number;
  russian: number;
  consent: number;
  blocked: number;
  materials: number;
  published: number;
  views: number;
  clicks: number;
};

const ACTOR = "seed";
/** An admin's scope: any lead, any material. */
const EVERYTHING: ActivityScope = { sources: null, publishedMaterialsOnly: false };
const HOUR_MS = 3_600_000;

/** What the bots publish: articles, products, events, with media as references (nothing stored here). */
const MATERIALS = [
  {
    title: "Как выбрать диван: 7 советов",
    category: "article",
    body: "Размер, обивка, механизм трансформации: на что смотреть в салоне.",
    media: [{ kind: "photo", url: "https://cdn.acme.example/articles/sofa-guide.jpg" }],
  },
  {
    title: "Sofa Oslo, three seats, grey",
    category: "product",
    body: "210 × 95 cm, removable covers. 89 900 ₽.",
    media: [
      { kind: "photo", url: "https://cdn.acme.example/products/oslo.jpg" },
      { kind: "document", url: "https://cdn.acme.example/products/oslo.pdf", name: "oslo-specs.pdf" },
    ],
  },
  {
    title: "Кресло «Берген»",
    category: "product",
    media: [{ kind: "photo", telegram_file_id: "AgACAgIAAxkBAAIBa2ZBergenArmchairPhoto" }],
  },
  {
    title: "Open day at the showroom",
    category: "event",
    body: "Saturday, 11:00–17:00: coffee, designers, 10% off everything ordered that day.",
    media: [{ kind: "link", url: "https://acme.example/open-day" }],
  },
  {
    title: "Delivery and assembly: how it works",
    category: "article",
    media: [{ kind: "video", url: "https://cdn.acme.example/video/delivery.mp4" }],
  },
] as const;

/** Written, not published yet: bots do not show it, so no lead viewed it. */
const DRAFT = { title: "Распродажа выставочных образцов", category: "event" } as const;

/**
 * `profiles` are the leads' in the order their external ids are given; `draw` is the caller's
 * seeded source in [0, 1), for who viewed what.
 */
export async function seedContacts(
  deps: Deps,
  leads: readonly { externalId: string; profile: DemoProfile }[],
  draw: () => number,
): Promise<ContactTally> {
  const tally: ContactTally = {
    profiles: 0,
    russian: 0,
    consent: 0,
    blocked: 0,
    materials: 0,
    published: 0,
    views: 0,
    clicks: 0,
  };
  const ids: number[] = [];
  for (const { externalId, profile } of leads) {
    const lead = await deps.leads.getByExternalId(externalId);
    ids.push(lead.id);
    await deps.leads.update(lead.id, updateLeadBodySchema.parse(profileChange(profile)), ACTOR);
    tally.profiles += 1;
    if (profile.language === "ru") tally.russian += 1;
    if (profile.blocked) tally.blocked += 1;
    if (profile.consent !== null) {
      await deps.leads.giveConsent(
        lead.id,
        consentBodySchema.parse({ text_version: profile.consent }),
        ACTOR,
      );
      tally.consent += 1;
    }
  }

  const published = [];
  for (const material of MATERIALS) {
    published.push(
      await deps.materials.create(createMaterialBodySchema.parse({ ...material, published: true }), ACTOR),
    );
  }
  await deps.materials.create(createMaterialBodySchema.parse(DRAFT), ACTOR);
  tally.materials = MATERIALS.length + 1;
  tally.published = published.length;

  // Most leads opened something the bot sent, the first materials most; some clicked a button.
  const now = Date.now();
  for (const [index, leadId] of ids.entries()) {
    const views = Math.floor(draw() * draw() * 5);
    for (let n = 0; n < views; n++) {
      const material = published[Math.floor(draw() * draw() * published.length)];
      await record(deps, {
        lead_id: leadId,
        type: MATERIAL_VIEWED,
        material_id: material?.id,
        occurred_at: new Date(now - Math.floor(draw() * 30 * 24) * HOUR_MS).toISOString(),
        external_id: `seed-view-${index}-${n}`,
        data: { via: "telegram" },
      });
      tally.views += 1;
    }
    if (draw() < 0.25) {
      await record(deps, {
        lead_id: leadId,
        type: "button_clicked",
        data: { button: draw() < 0.5 ? "Записаться на примерку" : "Call me back" },
        external_id: `seed-click-${index}`,
      });
      tally.clicks += 1;
    }
  }
  return tally;
}

/** What an admin fills in; the phone, e-mail and name came with the appeals. */
function profileChange(profile: DemoProfile): object {
  return {
    first_name: profile.firstName,
    middle_name: profile.middleName,
    last_name: profile.lastName,
    second_phone: profile.secondPhone,
    company: profile.company,
    position: profile.position,
    heard_from: profile.heardFrom,
    tags: profile.tags,
    blocked_at: profile.blocked ? new Date(Date.now() - 2 * 24 * HOUR_MS).toISOString() : null,
  };
}

async function record(deps: Deps, body: object): Promise<void> {
  await deps.activities.record(createActivityBodySchema.parse(body), EVERYTHING);
}
