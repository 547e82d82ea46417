"""The per-token API rate limit, shared by every worker and server, holding across them.

A process takes its share of a token's minute from the shared counter (ApiUsage) before it
spends it, in small blocks (a fiftieth of the limit): one write per block, not per request, and
never more than the limit is handed out, so N workers together stay within it (they may leave
up to a block each unspent, never let one through beyond it). The block is taken only when the
database's write lock is free at that moment; while another process holds it (a bulk import, an
export), reads must not wait for it, and requests are counted as before this scheme: in memory,
allowed while the minute's shared count plus this process's counts not yet written stays within
the limit, and added to the database afterwards in batches (after a response has been sent, at
most once a second). Only those moments can let a few requests too many through.
"""
import datetime as dt
import threading
import time
from dataclasses import dataclass

from peewee import OperationalError

from capture.db import db, is_busy, is_postgres
from capture.models import ApiToken, ApiUsage
from capture.clock import utc_now

FLUSH_SECONDS = 1.0
BLOCKS_PER_LIMIT = 50  # a block is this fraction of the limit (at least one request)


@dataclass
class Share:
    """This process's part of a token's minute: requests it took from the shared count, spent,
    and counted while the write lock was taken (debt, not yet in the database)."""
    granted: int = 0
    used: int = 0
    debt: int = 0
    last: dt.datetime | None = None  # the last request, for the token's "last used"
    dirty: bool = False  # debt or "last used" not yet written


def block_for(limit):
    """How many requests a process takes from the shared count at a time."""
    return max(1, limit // BLOCKS_PER_LIMIT)


class RateCounter:
    """One process's shares of its tokens' minutes."""

    def __init__(self):
        self.lock = threading.Lock()
        self.pending = {}  # (database, token id, window) -> Share
        self.flushed_at = 0.0
        self.urgent = False  # a debt waits: written with the next response, not a second later

    def count(self, token, limit, at=None):
        """Count a request; return 0 when within `limit`, else the seconds to wait."""
        at = at or utc_now()
        window = at.replace(second=0, microsecond=0)
        key = (db.obj.database, token.id, window)
        with self.lock:
            share = self.pending.setdefault(key, Share())
            share.last, share.dirty = max(share.last or at, at), True
            if share.used < share.granted:
                share.used += 1
                return 0
        granted = _take(token.id, window, block_for(limit), limit, at)
        stored = None
        if granted is None:  # the write lock is taken: read the shared count without it
            stored = (ApiUsage.select(ApiUsage.count)
                      .where(ApiUsage.token == token.id, ApiUsage.window == window).scalar()) or 0
        with self.lock:
            if stored is not None:  # counted as a debt, written once the lock is free
                granted = 1 if stored + share.debt < limit else 0
                share.debt += granted
                self.urgent = self.urgent or bool(granted)
            share.granted += granted
            if share.used < share.granted:
                share.used += 1
                return 0
        return max(1, int((window + dt.timedelta(minutes=1) - at).total_seconds() + 0.999))

    def due(self):
        """True when something waits to be written and the last batch is a second old, or a debt waits."""
        return any(share.dirty for share in self.pending.values()) and (
            self.urgent or time.monotonic() - self.flushed_at >= FLUSH_SECONDS)

    def flush(self):
        """Write debts and "last used" if the database's write lock is free now; True if done."""
        minute = utc_now().replace(second=0, microsecond=0)
        with self.lock:
            self.flushed_at, self.urgent = time.monotonic(), False
            mine = {}
            for key, share in list(self.pending.items()):
                if key[0] != db.obj.database:
                    continue
                if share.dirty:
                    mine[key] = (share.debt, share.last)
                    share.debt, share.dirty = 0, False
                if key[2] < minute:
                    del self.pending[key]  # a past minute: nothing left to spend
        if not mine:
            return True
        try:
            with _without_waiting():
                _write(mine)
        except OperationalError as error:
            if not is_busy(error):
                raise
            with self.lock:  # try again with the next batch
                for key, (debt, last) in mine.items():
                    share = self.pending.setdefault(key, Share())
                    share.debt += debt
                    share.last, share.dirty = max(share.last or last, last), True
            return False
        return True


def _take(token_id, window, block, limit, at):
    """Take up to `block` requests of the token's minute from the shared count; how many were
    left to take (0 when the minute is spent), or None when the write lock is not free now."""
    try:
        with _without_waiting():
            (ApiUsage.insert(token=token_id, window=window, count=block)
             .on_conflict(conflict_target=[ApiUsage.token, ApiUsage.window],
                          update={ApiUsage.count: ApiUsage.count + block})
             .execute())
            total = (ApiUsage.select(ApiUsage.count)
                     .where(ApiUsage.token == token_id, ApiUsage.window == window).scalar())
            # The row stays locked until commit, so what is over the limit is given back whole.
            excess = min(block, max(0, total - limit))
            if excess:
                (ApiUsage.update(count=ApiUsage.count - excess)
                 .where(ApiUsage.token == token_id, ApiUsage.window == window).execute())
            _write({(None, token_id, window): (0, at)})
    except OperationalError as error:
        if not is_busy(error):
            raise
        return None
    return block - excess


def _write(batch):
    latest = {}
    for (_database, token_id, window), (requests, last) in batch.items():
        if requests:
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
