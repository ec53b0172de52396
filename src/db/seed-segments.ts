// The demo's two segments, through the segments service: a filter (the VIP leads who consented:
// whom a mailing may reach) and a fixed list (leads a manager picked to call back).
import type { Deps } from "../deps.js";
import { createSegmentBodySchema } from "../modules/segments/segment.schemas.js";

export type SegmentTally = { segments: number; filterLeads: number; listLeads: number };

const ACTOR = "seed";

export async function seedSegments(deps: Deps): Promise<SegmentTally> {
  const vip = await deps.segments.create(
    createSegmentBodySchema.parse({
      name: "VIP with consent",
      description: "VIP leads who consented to data processing: a mailing may reach them",
      filter: { tags_any: ["vip"], consent: true },
    }),
    ACTOR,
  );
  // A fixed list: the five newest leads, as a manager would pick them to call back.
  const picked = (await deps.leads.list({ limit: 5 })).items.map((lead) => lead.id);
  const callBack = await deps.segments.create(
    createSegmentBodySchema.parse({
      name: "Call back",
      description: "Leads a manager picked to call back",
      filter: { lead_ids: picked },
    }),
    ACTOR,
  );
  return {
    segments: 2,
    filterLeads: (await deps.segments.get(vip.id)).lead_count,
    listLeads: (await deps.segments.get(callBack.id)).lead_count,
  };
}
