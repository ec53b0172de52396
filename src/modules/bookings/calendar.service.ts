// The calendar views: bookings per local day in TIMEZONE (days cut at local midnight, so 23 or 25
// hours long across a DST change) and a resource's free periods on a date.
import { addDays, dayBounds } from "../../core/time-zone.js";
import { freePeriods, type OpeningHours, openPeriodsOn } from "../resources/opening-hours.js";
import type { ResourceRepository } from "../resources/resource.repository.js";
import { resourceNotFound } from "../resources/resource.service.js";
import type { AvailabilityDto, AvailabilityQuery, CalendarDto, CalendarQuery } from "./booking.schemas.js";
import type { BookingReadRepository } from "./booking-read.repository.js";

export class CalendarService {
  constructor(
    private readonly reads: BookingReadRepository,
    private readonly resources: ResourceRepository,
    private readonly timeZone: string,
  ) {}

  /** Every day from `from` to `to` (included), each with the bookings not cancelled that have an item in it. */
  async calendar(query: CalendarQuery): Promise<CalendarDto> {
    const days: { date: string; start: number; end: number }[] = [];
    for (let date = query.from; date <= query.to; date = addDays(date, 1)) {
      const { start, end } = dayBounds(date, this.timeZone);
      days.push({ date, start: start.getTime(), end: end.getTime() });
    }
    const bookings = await this.reads.list({
      from: new Date(days[0]?.start ?? 0),
      to: new Date(days.at(-1)?.end ?? 0),
      resourceId: query.resource_id,
      activeOnly: true,
    });
    return days.map((day) => ({
      date: day.date,
      bookings: bookings.filter((booking) =>
        booking.items.some(
          (item) =>
            (query.resource_id === undefined || item.resource_id === query.resource_id) &&
            Date.parse(item.starts_at) < day.end &&
            Date.parse(item.ends_at) > day.start,
        ),
      ),
    }));
  }

  /**
   * The resource's free periods on the date, within its opening hours, each long enough for the
   * duration. An archived or inactive resource has none (it takes no bookings); an unknown one is a 404.
   */
  async availability(resourceId: number, query: AvailabilityQuery): Promise<AvailabilityDto> {
    const resource = await this.resources.findById(resourceId);
    if (!resource) throw resourceNotFound(resourceId);
    const answer = (free: { start: Date; end: Date }[]): AvailabilityDto => ({
      resource_id: resourceId,
      date: query.date,
      free: free.map((period) => ({
        starts_at: period.start.toISOString(),
        ends_at: period.end.toISOString(),
      })),
    });
    if (resource.archivedAt !== null || !resource.isActive) return answer([]);
    const open = openPeriodsOn(resource.openingHours as OpeningHours | null, query.date, this.timeZone);
    if (open.length === 0) return answer([]);
    const busy = await this.reads.busyPeriods(
      resourceId,
      open[0]?.start ?? new Date(0),
      open.at(-1)?.end ?? new Date(0),
    );
    return answer(freePeriods(open, busy, query.duration_minutes * 60_000));
  }
}
