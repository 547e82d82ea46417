"""Logging in as OWASP ASVS V2 asks: no username oracle, growing delays, no lock-out by an attacker."""
import datetime as dt

import time_machine

from capture import create_app, models, schema
from capture.db import db
from capture.models import AuditEvent
from capture.people import auth

from conftest import PASSWORD, AuthActions, make_user

ATTACKER, USER_DESK = "198.51.100.7", "192.0.2.10"


def browser_at(app, address, **headers):
    """A test client whose requests come from `address`."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    client.environ_base.update({"HTTP_" + k.upper().replace("-", "_"): v for k, v in headers.items()})
    return AuthActions(client)


def events(action):
    return list(AuditEvent.select().where(AuditEvent.action == action).order_by(AuditEvent.id))


def test_unknown_and_known_usernames_cost_the_same_password_hash(app, world, monkeypatch):
    hashed = []

    def counting(stored, password):
        hashed.append(stored.split("$", 1)[0])
        return real(stored, password)
    real = auth.check_password_hash
    monkeypatch.setattr(auth, "check_password_hash", counting)
    attacker = browser_at(app, ATTACKER)
    assert attacker.login("nobody-here", "a guess").status_code == 401
    assert attacker.login("secretary", "a guess").status_code == 401
    # One hash each, made the same way: the answer's work does not tell which username exists.
    assert len(hashed) == 2 and hashed[0] == hashed[1] == models.PASSWORD_METHOD


def test_an_attacker_cannot_lock_the_real_user_out(app, world):
    attacker = browser_at(app, ATTACKER)
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        assert attacker.login("secretary", "a guess").status_code == 401
    refused = attacker.login("secretary", PASSWORD)
    assert refused.status_code == 429 and "登录尝试过于频繁" in refused.get_data(as_text=True)
    assert int(refused.headers["Retry-After"]) > 0
    # The secretary, at her own desk, logs in with her password as always.
    assert browser_at(app, USER_DESK).login("secretary", PASSWORD).status_code == 302


def test_delays_grow_with_every_failure_past_the_allowance(app, world):
    attacker = browser_at(app, ATTACKER)
    start = dt.datetime(2026, 5, 4, 1, 0, tzinfo=dt.timezone.utc)
    with time_machine.travel(start, tick=False) as traveller:
        for _ in range(app.config["LOGIN_MAX_FAILURES"]):
            attacker.login("secretary", "a guess")
        waits = []
        for _ in range(3):
            waits.append(events("login.locked")[-1])
            traveller.shift(dt.timedelta(seconds=int(_seconds(waits[-1])) + 1))
            assert attacker.login("secretary", "a guess").status_code == 401
    assert [_seconds(e) for e in waits] == [15, 30, 60]
    assert all('"scope": "account"' in e.details and ATTACKER in e.details for e in waits)


def _seconds(event):
    import json
    return json.loads(event.details)["seconds"]


def test_attempts_and_locks_are_in_the_audit_trail(app, world):
    attacker = browser_at(app, ATTACKER)
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        attacker.login("secretary", "a guess")
    attacker.login("secretary", PASSWORD)
    assert len(events("login.failed")) == app.config["LOGIN_MAX_FAILURES"]
    assert ATTACKER in events("login.failed")[0].details
    assert len(events("login.locked")) == 1
    throttled = events("login.throttled")
    assert len(throttled) == 1 and '"username": "secretary"' in throttled[0].details
    browser_at(app, USER_DESK).login("secretary", PASSWORD)
    assert USER_DESK in events("login")[-1].details


def test_one_address_trying_many_usernames_is_slowed_down(app, world):
    app.config["LOGIN_ADDRESS_FAILURES"] = 4
    attacker = browser_at(app, ATTACKER)
    for name in ("admin", "liaison", "viewer", "someone"):
        assert attacker.login(name, "a guess").status_code == 401
    assert attacker.login("transfer_officer", PASSWORD).status_code == 429
    assert '"scope": "address"' in events("login.locked")[-1].details
    assert browser_at(app, USER_DESK).login("transfer_officer", PASSWORD).status_code == 302


def test_a_forged_forwarded_for_does_not_change_the_address(app, world):
    # No trusted proxy by default: X-Forwarded-For is the client's own word and is ignored.
    for n in range(app.config["LOGIN_MAX_FAILURES"]):
        browser_at(app, ATTACKER, **{"X-Forwarded-For": f"10.0.0.{n}"}).login("secretary", "a guess")
    assert browser_at(app, ATTACKER, **{"X-Forwarded-For": "10.0.0.99"}).login(
        "secretary", PASSWORD).status_code == 429
    assert all(ATTACKER in e.details for e in events("login.failed"))


def test_behind_a_trusted_proxy_the_client_address_is_forwarded(tmp_path):
    app = create_app({"TESTING": True, "SECRET_KEY": "t", "DATA_DIR": str(tmp_path),
                      "DATABASE_URL": f"sqlite:///{tmp_path / 'c.sqlite3'}", "TRUSTED_PROXIES": 1})
    with db.connection_context():
        schema.migrate()
        make_user("secretary", "secretary")
    # The proxy appends the address it saw; what the client wrote before it is not trusted.
    proxy = browser_at(app, "127.0.0.1", **{"X-Forwarded-For": "10.9.9.9, 203.0.113.9"})
    assert proxy.login("secretary", "a guess").status_code == 401
    with db.connection_context():
        assert '"address": "203.0.113.9"' in events("login.failed")[0].details


def test_failures_are_forgotten_an_hour_after_the_last(app, world):
    attacker = browser_at(app, ATTACKER)
    start = dt.datetime(2026, 5, 4, 1, 0, tzinfo=dt.timezone.utc)
    with time_machine.travel(start, tick=False) as traveller:
        for _ in range(app.config["LOGIN_MAX_FAILURES"]):
            attacker.login("secretary", "a guess")
        assert len(events("login.locked")) == 1
        traveller.shift(dt.timedelta(minutes=61))
        assert attacker.login("secretary", "a guess").status_code == 401
        assert len(events("login.locked")) == 1  # counted from one again: no new delay
        assert models.LoginThrottle.select().count() == 2  # the old rows went, the new ones came
