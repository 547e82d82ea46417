"""The archive's local time: converting between the configured zone and stored naive UTC."""
import datetime as dt
import os
from zoneinfo import ZoneInfo

DEFAULT_ZONE = "Asia/Shanghai"


def utc_now():
    """The current UTC time, naive, as stored in the database."""
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def to_local(stored, zone):
    """A stored naive-UTC datetime as an aware datetime in `zone` (a name)."""
    return stored.replace(tzinfo=dt.timezone.utc).astimezone(ZoneInfo(zone))


def to_utc(local, zone):
    """A naive local datetime in `zone` as the naive UTC datetime to store."""
    aware = local.replace(tzinfo=ZoneInfo(zone))
    return aware.astimezone(dt.timezone.utc).replace(tzinfo=None)


def local_today(zone):
    """Today's date in `zone`."""
    return to_local(utc_now(), zone).date()


def day_start_utc(day, zone):
    """The stored (naive UTC) instant at which local `day` begins."""
    return to_utc(dt.datetime.combine(day, dt.time()), zone)


def local_date(stored, zone):
    """The local date of a stored naive-UTC datetime (None stays None)."""
    return to_local(stored, zone).date() if stored is not None else None


def archive_zone():
    """The archive's zone: the running app's CAPTURE_TIMEZONE, else the environment's or the default."""
    from flask import current_app, has_app_context
    if has_app_context():
        return current_app.config.get("TIMEZONE") or DEFAULT_ZONE
    return os.environ.get("CAPTURE_TIMEZONE") or DEFAULT_ZONE


def today():
    """The archive's local date: what every "today" means (form defaults, 档号 year, due, overdue)."""
    return local_today(archive_zone())
