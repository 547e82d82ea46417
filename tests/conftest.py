"""Shared fixtures, flaskr-style: app (temporary database and store), client, runner, auth."""
import os
import re
from pathlib import Path

import pytest
from playhouse.pool import PooledDatabase

from capture import audit, create_app, models, schema
from capture.db import db
from capture.models import Body, Membership, User
from capture.people import rates

models.PASSWORD_METHOD = "pbkdf2:sha256:1000"  # production strength is slow and proves nothing here

PASSWORD = "correct horse battery"


# CAPTURE_TEST_DB=postgres runs the whole suite on a throwaway PostgreSQL cluster.
ON_POSTGRES = os.environ.get("CAPTURE_TEST_DB") == "postgres"


@pytest.fixture(scope="session")
def postgres_url():
    """The URL of a PostgreSQL server started for this test session (None on SQLite)."""
    if not ON_POSTGRES:
        yield None
        return
    from pg_support import Cluster
    cluster = Cluster()
    yield cluster.start()
    cluster.stop()


@pytest.fixture
def app(tmp_path, postgres_url):
    app = create_app({
        "TESTING": True,
        "SECRET_KEY": "test",
        "DATA_DIR": str(tmp_path / "data"),
        "DATABASE_URL": postgres_url or f"sqlite:///{tmp_path / 'capture.sqlite3'}",
        "LOGIN_MAX_FAILURES": 3,
    })
    with db.connection_context():
        if postgres_url:  # one database for the session: start each test from an empty schema
            db.execute_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        schema.migrate()
    # API counts not yet written belong to the test that made them: on PostgreSQL every test
    # uses the same database name, and token ids start again at 1.
    rates.COUNTER.pending.clear()
    yield app
    if not db.is_closed():
        db.close()
    if isinstance(db.obj, PooledDatabase):
        # Each test's pool keeps its idle SQLite connections (three descriptors each) open;
        # late in the suite they passed the 1,024 that select() can watch.
        db.obj.close_all()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def csrf_token(response):
    """The CSRF token of the first form on a page."""
    match = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', response.data) or \
        re.search(rb'name="csrf_token" value="([^"]+)"', response.data)
    assert match, "no CSRF token on the page"
    return match.group(1).decode()


class AuthActions:
    def __init__(self, client):
        self._client = client

    def login(self, username="admin", password=PASSWORD):
        page = self._client.get("/login")
        return self._client.post("/login", data={
            "username": username, "password": password, "csrf_token": csrf_token(page)})

    def logout(self):
        page = self._client.get("/")
        return self._client.post("/logout", data={"csrf_token": csrf_token(page)})

    def post(self, url, data=None, page=None, **kwargs):
        """POST a form with the CSRF token taken from `page` (default: the same URL)."""
        form = self._client.get(page or url)
        data = dict(data or {}, csrf_token=csrf_token(form))
        return self._client.post(url, data=data, **kwargs)


@pytest.fixture
def auth(client):
    return AuthActions(client)


def make_user(username, role, **fields):
    """A user with the test password."""
    user = User(username=username, display_name=fields.pop("display_name", username.title()),
                role=role, password_hash="", **fields)
    user.set_password(PASSWORD)
    user.save()
    return user


def make_body(code, **fields):
    """A body with the default categories and scope."""
    import datetime as dt

    from capture.records import scope
    defaults = dict(name=f"{code} 临时机构", fonds_code=f"J{Body.select().count() + 1:03d}",
                    kind="epidemic", tier="key",
                    cadence_days=7, established_on=dt.date(2026, 1, 1))
    defaults.update(fields)
    body = Body.create(code=code, **defaults)
    scope.seed(body)
    return body


@pytest.fixture
def world(app):
    """Two bodies, a user per role; the secretary and the viewer belong to A only."""
    with db.connection_context():
        a, b = make_body("AAA"), make_body("BBB", kind="flood", tier="general")
        users = {role: make_user(role, role) for role in
                 ("admin", "liaison", "secretary", "transfer_officer", "viewer")}
        Membership.create(user=users["secretary"], body=a, role="secretary")
        Membership.create(user=users["liaison"], body=a, role="liaison")
        Membership.create(user=users["viewer"], body=a, role="viewer")
        audit.record("body.create", a, body=a)
    return {"a": a, "b": b, **users}


@pytest.fixture
def flood(app):
    """The flood command body of transfer_support, with its secretary and documents."""
    from transfer_support import flood_body
    return flood_body(app)


@pytest.fixture
def live_server(app):
    """The app served on a free loopback port for a browser test."""
    from browser_support import LiveServer

    from capture.ops.worker import start_thread
    server = LiveServer(app)
    worker = start_thread(app)  # as `python run.py` does: background jobs in the same process
    yield server
    worker.set()
    server.stop()


@pytest.fixture
def browser(request):
    """A real headless Chromium; screenshots go to test-output/<test name>/."""
    from playwright.sync_api import sync_playwright

    from browser_support import Browser
    out_dir = Path(__file__).resolve().parent.parent / "test-output" / request.node.name
    with sync_playwright() as playwright:
        chromium = Browser(playwright, out_dir)
        yield chromium
        chromium.close()
    csp = [e for e in chromium.console_errors if "Content Security Policy" in e]
    assert not csp, f"CSP violations: {csp}"
