"""Expected series (预立卷): which periods a recurring scope item expects a record for, and which lack one.

Pure functions over dates (no Flask, no database). Every date is the archive's local date: the
callers pass the local "today" and the documents' own dates (成文日期), which are local already.
A period is due once it has ended: today's daily report may still come today, this week's
briefing until Sunday. A body dissolved mid-period owes the part of it that it lived.
"""
import datetime as dt
from dataclasses import dataclass

from capture.i18n import period_label


# Stored in ScopeItem.recurrence; "" is a plain scope item (covered by any one document).
RECURRENCES = ("", "once", "daily", "weekly", "monthly", "per_meeting", "per_phase")
# How many missing periods are named in a sentence before "… and N more".
NAMED = 5


@dataclass(frozen=True)
class Period:
    """The days [start, end] one record of the series covers."""
    start: dt.date
    end: dt.date

    def __contains__(self, day):
        return self.start <= day <= self.end


@dataclass
class SeriesStatus:
    """A series' expected periods so far, the registered documents' dates, and the gaps."""
    recurrence: str
    due: list
    missing: list
    registered: int

    @property
    def expected(self):
        """How many periods are due by now."""
        return len(self.due)

    @property
    def complete(self):
        """True when every due period has a record."""
        return not self.missing


def periods(recurrence, starts_on, until):
    """The periods of a series from `starts_on` to the one holding `until`, the last cut at `until`."""
    if recurrence == "daily":
        return [Period(starts_on + dt.timedelta(days=n), starts_on + dt.timedelta(days=n))
                for n in range((until - starts_on).days + 1)]
    if recurrence == "weekly":
        found, start = [], starts_on
        while start <= until:
            sunday = start + dt.timedelta(days=6 - start.weekday())
            found.append(Period(start, min(sunday, until)))
            start = sunday + dt.timedelta(days=1)
        return found
    if recurrence == "monthly":
        found, start = [], starts_on
        while start <= until:
            month_end = (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
            found.append(Period(start, min(month_end, until)))
            start = month_end + dt.timedelta(days=1)
        return found
    if recurrence == "once":
        return [Period(starts_on, until)]
    return []  # per meeting, per phase: not known ahead, only counted


def status(recurrence, starts_on, today, dates, ends_on=None):
    """The series of a scope item on `today`: due periods and those no document date falls in.

    `ends_on` is the dissolution date when the body is dissolved; dates outside the body's life
    cover nothing. A "once" item is due when the body has ended.
    """
    last = min(ends_on, today) if ends_on else today
    inside = sorted(d for d in dates if starts_on <= d <= last)
    if last < starts_on:
        return SeriesStatus(recurrence, [], [], len(inside))
    if recurrence == "once" and not (ends_on and ends_on < today):
        return SeriesStatus(recurrence, [], [], len(inside))
    due = [p for p in periods(recurrence, starts_on, last) if p.end < today]
    missing = [p for p in due if not any(d in p for d in inside)]
    return SeriesStatus(recurrence, due, missing, len(inside))


def label(period, locale):
    """A period as people say it: 2月3日 / Feb 3 for a day, 2月2日至8日 / Feb 2 – 8 for a week."""
    return period_label(period.start, period.end, locale)
