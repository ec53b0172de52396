// The activity types the service itself gives a meaning to; any other type is the bots' free text.

/** What GET /materials/{id}/stats counts as a view: an activity of this type naming the material. */
export const MATERIAL_VIEWED = "material_viewed";
