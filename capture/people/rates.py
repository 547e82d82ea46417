"""The per-token API rate limit, shared by every worker and server without a write per request.

Each process counts its own requests in memory and adds them to the token's row for the
minute (ApiUsage) in batches: after a response has been sent, at most once a second (and at
once for a token's first request of a minute), and only when the database's write lock is free
at that moment (it never waits for it; counts that could not be written wait for the next batch). A request is
allowed when the minute's shared count, read without any lock, plus this process's counts not
yet added, stays within the limit.

Why this and not a write per request: a write needs the write lock, and while a bulk import or
an export holds it, every read of the API would wait. The price is a little slack across
processes: another worker sees this one's requests at most about a second late, so N workers
together may let through up to a second's worth of requests each beyond the limit; one worker
alone never does. The limit guards the server against a runaway client, which that slack does
not change.
"""
import datetime as dt
import threading
import time

from peewee import OperationalError

from capture.db import db, is_busy, is_postgres
from capture.models import ApiToken, ApiUsage
from capture.clock import utc_now

FLUSH_SECONDS = 1.0


class RateCounter:
    """One process's counts of API requests per token and minute, not yet in the database."""

    def __init__(self):
        self.lock = threading.Lock()
        self.pending = {}  # (database, token id, window) -> [requests, last request at]
        self.flushed_at = 0.0
        # A token's first request of a minute in this process is written at once (one write per
        # token, minute and process), so other workers and "last used" learn of it early.
        self.urgent = False

    def count(self, token, limit, at=None):
        """Count a request; return 0 when within `limit`, else the seconds to wait."""
        at = at or utc_now()
        window = at.replace(second=0, microsecond=0)
        stored = (ApiUsage.select(ApiUsage.count)
                  .where(ApiUsage.token == token.id, ApiUsage.window == window).scalar()) or 0
        key = (db.obj.database, token.id, window)
        with self.lock:
            entry = self.pending.get(key)
            if entry is None:
                entry = self.pending[key] = [0, at]
                self.urgent = True
            entry[0] += 1
            entry[1] = max(entry[1], at)
            count = stored + entry[0]
        if count <= limit:
            return 0
        return max(1, int((window + dt.timedelta(minutes=1) - at).total_seconds() + 0.999))

    def due(self):
        """True when counts wait and the last batch is a second old, or a new minute began."""
        return bool(self.pending) and (self.urgent or time.monotonic() - self.flushed_at >= FLUSH_SECONDS)

    def flush(self):
        """Add the waiting counts to the database if its write lock is free now; True if done."""
        with self.lock:
            batch, self.pending = self.pending, {}
            self.flushed_at, self.urgent = time.monotonic(), False
        mine = {key: entry for key, entry in batch.items() if key[0] == db.obj.database}
        if not mine:
            return True
        try:
            with _without_waiting():
                _write(mine)
        except OperationalError as error:
            if not is_busy(error):
                raise
            with self.lock:  # try again with the next batch
                for key, (requests, last) in mine.items():
                    entry = self.pending.setdefault(key, [0, last])
                    entry[0] += requests
                    entry[1] = max(entry[1], last)
            return False
        return True


def _write(batch):
    latest = {}
    for (_database, token_id, window), (requests, last) in batch.items():
        (ApiUsage.insert(token=token_id, window=window, count=requests)
         .on_conflict(conflict_target=[ApiUsage.token, ApiUsage.window],
                      update={ApiUsage.count: ApiUsage.count + requests})
         .execute())
        latest[token_id] = max(latest.get(token_id, last), last)
    for token_id, last in latest.items():
        window = last.replace(second=0, microsecond=0)
        ApiUsage.delete().where(ApiUsage.token == token_id, ApiUsage.window < window).execute()
        (ApiToken.update(last_used_at=last)
         .where(ApiToken.id == token_id,
                (ApiToken.last_used_at.is_null()) | (ApiToken.last_used_at < last)).execute())


class _without_waiting:
    """A transaction that takes the write lock only if it is free now (never queues for it)."""

    def __enter__(self):
        self.transaction = db.atomic()
        if is_postgres():
            self.transaction.__enter__()
            db.execute_sql("SET LOCAL lock_timeout = '100ms'")
            return self
        db.execute_sql("PRAGMA busy_timeout = 0")
        try:
            self.transaction.__enter__()
        except BaseException:
            self._restore()
            raise
        return self

    def __exit__(self, *exc):
        try:
            return self.transaction.__exit__(*exc)
        finally:
            if not is_postgres():
                self._restore()

    def _restore(self):
        busy = dict(getattr(db.obj, "_pragmas", None) or ()).get("busy_timeout", 10000)
        db.execute_sql(f"PRAGMA busy_timeout = {int(busy)}")


COUNTER = RateCounter()
