// The refusals of bookings, each naming the field it is about (API.md conventions): 404 for what
// does not exist, 400 for what may not be booked, 409 for a collision or a booking that is over,
// 422 for a period outside opening hours.
import { AppError, NotFoundError, ValidationError } from "../../core/errors.js";

export function bookingNotFound(id: number): NotFoundError {
  return new NotFoundError(`Booking ${id} does not exist.`);
}

export function leadNotFound(lead: { id: number } | { externalId: string }): NotFoundError {
  return "id" in lead
    ? new NotFoundError(`Lead ${lead.id} does not exist.`, [{ path: "lead_id", message: "not found" }])
    : new NotFoundError(`No lead has external id "${lead.externalId}".`, [
        { path: "lead_external_id", message: "not found" },
      ]);
}

export function resourceNotFoundAt(index: number, id: number): NotFoundError {
  return new NotFoundError(`Resource ${id} (items.${index}.resource_id) does not exist.`, [
    { path: `items.${index}.resource_id`, message: "not found" },
  ]);
}

export function resourceNotBookable(
  index: number,
  id: number,
  why: "archived" | "inactive",
): ValidationError {
  return new ValidationError(
    `Invalid body: items.${index}.resource_id: resource ${id} is ${why}, it takes no bookings.`,
    [{ path: `items.${index}.resource_id`, message: `is ${why}` }],
  );
}

export function itemsOverlap(earlier: number, later: number): ValidationError {
  return new ValidationError(
    `Invalid body: items.${later}.starts_at: overlaps items.${earlier} on the same resource.`,
    [{ path: `items.${later}.starts_at`, message: `overlaps items.${earlier} on the same resource` }],
  );
}

export function unknownItem(index: number, id: number, bookingId: number): ValidationError {
  return new ValidationError(
    `Invalid body: items.${index}.id: ${id} is not an item of booking ${bookingId}.`,
    [{ path: `items.${index}.id`, message: `is not an item of booking ${bookingId}` }],
  );
}

export function outsideOpeningHours(index: number, resourceName: string, zone: string): AppError {
  return new AppError(
    "outside_opening_hours",
    422,
    "Outside opening hours",
    `items.${index} is not within the opening hours of ${resourceName} (local time ${zone}).`,
    [{ path: `items.${index}.starts_at`, message: `is not within the resource's opening hours (${zone})` }],
  );
}

/** The 409 of NO DOUBLE BOOKING: which requested item collides with which booking. */
export function bookingConflict(conflicts: { index: number; booking_id: number }[]): AppError {
  const [first] = conflicts;
  const detail = first
    ? `items.${first.index} overlaps booking ${first.booking_id} on the same resource.`
    : "An item overlaps another booking on the same resource (cancelled since: try again).";
  return new AppError(
    "booking_conflict",
    409,
    "The slot is taken",
    detail,
    conflicts.map((conflict) => ({
      path: `items.${conflict.index}`,
      message: `overlaps booking ${conflict.booking_id}`,
    })),
  );
}

export function bookingFinal(id: number, status: "cancelled" | "completed"): AppError {
  return new AppError(
    `booking_${status}`,
    409,
    `The booking is ${status}`,
    `Booking ${id} is ${status}: it takes no more changes.`,
  );
}
