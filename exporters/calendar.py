"""Check-ins as an iCalendar feed: plain data in, .ics bytes out (no Flask, no database)."""
import datetime as dt
from dataclasses import dataclass

from icalendar import Calendar, Event

STATUS = {"scheduled": "CONFIRMED", "held": "CONFIRMED", "missed": "CANCELLED",
          "cancelled": "CANCELLED"}


@dataclass
class CalendarEvent:
    """One check-in as the calendar shows it; `start` is aware, in the archive's zone."""
    uid: str
    start: dt.datetime
    minutes: int
    summary: str
    location: str = ""
    description: str = ""
    status: str = "scheduled"
    url: str = ""
    stamp: dt.datetime | None = None  # when the check-in was last changed (UTC)


def write(events, name, zone_name):
    """An RFC 5545 calendar of `events` with the VTIMEZONE of `zone_name`."""
    calendar = Calendar()
    calendar.add("prodid", "-//capture//guidance check-ins//ZH")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", zone_name)
    for item in events:
        event = Event()
        event.add("uid", item.uid)
        event.add("dtstamp", item.stamp or dt.datetime.now(dt.timezone.utc))
        event.add("dtstart", item.start)
        event.add("dtend", item.start + dt.timedelta(minutes=item.minutes))
        event.add("summary", item.summary)
        event.add("status", STATUS.get(item.status, "CONFIRMED"))
        if item.location:
            event.add("location", item.location)
        if item.description:
            event.add("description", item.description)
        if item.url:
            event.add("url", item.url)
        calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()
