"""Guidance cadence: when the next check-in is due and which bodies are at risk.

Pure functions over plain data (no Flask, no database), so they can be tested with the clock
held still and run over ten thousand bodies in one pass.
"""
import datetime as dt
from dataclasses import dataclass

from capture.models import DEFAULT_CADENCE

# The final check-in falls in the last two weeks before the expected end (or once dissolving).
FINAL_WINDOW_DAYS = 14
# An active body that registers nothing for this long has probably stopped filing.
SILENT_DAYS = 14
# Missing required scope items start to matter this close to the expected end.
SCOPE_WARNING_DAYS = 30
# Dissolving bodies get their final check-in within a week.
DISSOLVING_FINAL_DAYS = 7
GUIDED_STATUSES = ("active", "dissolving")


@dataclass
class BodyFacts:
    """What the cadence rules need to know about one body, all dates local."""
    id: int
    code: str
    name: str
    tier: str
    cadence_days: int
    status: str
    established_on: dt.date
    expected_end: dt.date | None = None
    last_held: dt.date | None = None
    next_scheduled: dt.date | None = None
    final_arranged: bool = False
    last_document: dt.date | None = None
    missing_scope: int = 0
    overdue_commitments: int = 0
    series_missing: int = 0  # periods of expected series (预立卷) with no record yet
    milestones_missed: int = 0  # founding or phase milestones whose check-in is late (节点指导)


@dataclass(frozen=True)
class Proposal:
    """A proposed date for the next check-in and whether it is the final one."""
    date: dt.date
    is_final: bool


@dataclass(frozen=True)
class Risk:
    """One reason a body is at risk; `number` is days or a count depending on `code`."""
    code: str  # no_checkin | silent | scope_missing | series_missing | milestone_missed
    #            | commitments_overdue | final_missing
    number: int = 0


def cadence_of(facts):
    """The body's cadence in days: its own setting, else its tier's default."""
    return facts.cadence_days or DEFAULT_CADENCE.get(facts.tier, 30)


def final_required(facts, today):
    """True when the body has reached the point where its final check-in is due."""
    if facts.status == "dissolving":
        return True
    return (facts.status == "active" and facts.expected_end is not None
            and today >= facts.expected_end - dt.timedelta(days=FINAL_WINDOW_DAYS))


def _workday(day, today):
    """Move a weekend day back to Friday (earlier keeps the cadence), or on to Monday."""
    if day.weekday() < 5:
        return day
    friday = day - dt.timedelta(days=day.weekday() - 4)
    return friday if friday >= today else day + dt.timedelta(days=7 - day.weekday())


def propose(facts, today):
    """The date of the next check-in, counted from the latest held or arranged one."""
    cadence = dt.timedelta(days=cadence_of(facts))
    anchors = [d for d in (facts.last_held, facts.next_scheduled) if d is not None]
    next_day = max(today, max(anchors) + cadence) if anchors else today
    if facts.final_arranged:
        return Proposal(_workday(next_day, today), False)
    if facts.status == "dissolving":
        day = min(next_day, today + dt.timedelta(days=DISSOLVING_FINAL_DAYS))
        return Proposal(_workday(day, today), True)
    if facts.expected_end is not None:
        window_start = facts.expected_end - dt.timedelta(days=FINAL_WINDOW_DAYS)
        if next_day >= window_start:
            day = next_day if next_day <= facts.expected_end else max(today, window_start)
            return Proposal(_workday(day, today), True)
    return Proposal(_workday(next_day, today), False)


def risks(facts, today):
    """Why the body is at risk today; empty when it is on track or no longer guided."""
    if facts.status not in GUIDED_STATUSES:
        return []
    found = []
    since_checkin = (today - (facts.last_held or facts.established_on)).days
    if since_checkin > cadence_of(facts):
        found.append(Risk("no_checkin", since_checkin))
    if facts.status == "active":
        since_document = (today - (facts.last_document or facts.established_on)).days
        if since_document > SILENT_DAYS:
            found.append(Risk("silent", since_document))
    near_end = facts.status == "dissolving" or (
        facts.expected_end is not None
        and (facts.expected_end - today).days <= SCOPE_WARNING_DAYS)
    if near_end and facts.missing_scope:
        found.append(Risk("scope_missing", facts.missing_scope))
    if facts.milestones_missed:
        found.append(Risk("milestone_missed", facts.milestones_missed))
    if facts.series_missing:
        found.append(Risk("series_missing", facts.series_missing))
    if facts.overdue_commitments:
        found.append(Risk("commitments_overdue", facts.overdue_commitments))
    if final_required(facts, today) and not facts.final_arranged:
        found.append(Risk("final_missing", 0))
    return found
