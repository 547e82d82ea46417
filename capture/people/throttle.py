"""Login throttling with growing delays, per client address and per account from each address.

Counting an account's failures per address, not in one pot, is what keeps an attacker from
locking a real user out: failures from the attacker's address delay only that address, and the
right password from anywhere else still works. Each address also has its own allowance over all
usernames, so one address cannot try many accounts. Past an allowance every failure doubles the
wait, from FIRST_DELAY up to the configured longest; a key is forgotten an hour after its last
failure (or after the longest wait, if longer).
"""
import datetime as dt

from peewee import Case

from capture.clock import utc_now
from capture.models import LoginThrottle

FIRST_DELAY = 15  # seconds
FORGET = dt.timedelta(hours=1)


def keys(username, address, limits):
    """[(scope, key, the failure after which delays begin)] that a login attempt counts against."""
    return [("address", address, limits["LOGIN_ADDRESS_FAILURES"]),
            ("account", f"{address} {username}", limits["LOGIN_MAX_FAILURES"])]


def wait_seconds(username, address, limits, at=None):
    """Seconds this address must still wait before trying `username` again (0: it may try now)."""
    at = at or utc_now()
    waits = [row.blocked_until for row in _rows(keys(username, address, limits))
             if row.blocked_until is not None and row.blocked_until > at]
    return max((int((until - at).total_seconds()) + 1 for until in waits), default=0)


def delay(failures, allowed, longest_minutes):
    """The wait after the `failures`-th failure: none before the `allowed`-th, then doubling."""
    if failures < allowed:
        return 0
    return min(longest_minutes * 60, FIRST_DELAY * 2 ** min(failures - allowed, 20))


def note_failure(username, address, limits, at=None):
    """Count a failed login; return [(scope, failures, seconds)] of the delays it started."""
    at = at or utc_now()
    forget = max(FORGET, dt.timedelta(minutes=limits["LOGIN_LOCK_MINUTES"]))
    # Forgotten counts go, so that guesses at made-up usernames do not pile up rows.
    LoginThrottle.delete().where(LoginThrottle.last_failed_at < at - forget).execute()
    started = []
    for scope, key, allowed in keys(username, address, limits):
        # One statement counts, so that failures arriving at once in several workers all count.
        (LoginThrottle.insert(scope=scope, key=key, failures=1, last_failed_at=at)
         .on_conflict(conflict_target=[LoginThrottle.scope, LoginThrottle.key], update={
             LoginThrottle.failures: Case(None, [(LoginThrottle.last_failed_at < at - forget, 1)],
                                          LoginThrottle.failures + 1),
             LoginThrottle.last_failed_at: at})
         .execute())
        row = LoginThrottle.get(LoginThrottle.scope == scope, LoginThrottle.key == key)
        seconds = delay(row.failures, allowed, limits["LOGIN_LOCK_MINUTES"])
        if seconds:
            LoginThrottle.update(blocked_until=at + dt.timedelta(seconds=seconds)).where(
                LoginThrottle.id == row.id).execute()
            started.append((scope, row.failures, seconds))
    return started


def clear_account(username, address, limits):
    """Forget the account's failures from this address after a successful login there."""
    scope, key, _allowed = keys(username, address, limits)[1]
    LoginThrottle.delete().where(LoginThrottle.scope == scope, LoginThrottle.key == key).execute()


def _rows(found_keys):
    condition = None
    for scope, key, _allowed in found_keys:
        match = (LoginThrottle.scope == scope) & (LoginThrottle.key == key)
        condition = match if condition is None else condition | match
    return LoginThrottle.select().where(condition)
