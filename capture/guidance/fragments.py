"""Rendered parts of pages, kept while the data under them is unchanged.

Every change writes an audit event in the same transaction (audit.record), so the newest event
names the state of the whole database. A part rendered at one state stays right until the next
event. Each process keeps its own parts, but reads the newest event at every request: a change
made through any worker, server or command shows on the next request everywhere.
"""
import threading
from collections import OrderedDict

from flask import current_app

from capture import prepared
from capture.models import AuditEvent

# Parts kept per process; a dashboard is some tens of kilobytes.
MAX_PARTS = 200


def data_version():
    """(id, hash) of the newest audit event: it changes whenever anything is changed."""
    found = prepared.rows("fragments.newest_event", _newest_event)
    return tuple(found[0]) if found else (0, "")


def _newest_event():
    return AuditEvent.select(AuditEvent.id, AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)


class Parts:
    """The most recently used parts of one app, by (key, data version)."""

    def __init__(self, size=MAX_PARTS):
        self.size, self._parts, self._lock = size, OrderedDict(), threading.Lock()

    def get(self, key):
        """The part kept under `key`, or None."""
        with self._lock:
            part = self._parts.get(key)
            if part is not None:
                self._parts.move_to_end(key)
            return part

    def put(self, key, part):
        """Keep `part` under `key`, forgetting the least recently used beyond the size."""
        with self._lock:
            self._parts[key] = part
            self._parts.move_to_end(key)
            while len(self._parts) > self.size:
                self._parts.popitem(last=False)


def cached(key, render):
    """render()'s result for `key` at the database's present state, rendered once per state."""
    parts = current_app.extensions.setdefault("fragments", Parts())
    version = data_version()
    part = parts.get((key, version))
    if part is None:
        part = render()
        # A change committed while rendering may or may not show in the part: keep it only
        # when no event came in between, so that it shows exactly the state it is kept under.
        if data_version() == version:
            parts.put((key, version), part)
    return part
