"""Short write locks: reads never wait for a writer, and a write that cannot get the lock in time
is answered plainly (problem+json on the API, a page on the web) instead of hanging a worker."""
import re
import sqlite3
from contextlib import contextmanager
from pathlib import Path

import pytest

from capture import create_app
from capture.db import BUSY_TIMEOUT_SECONDS, db, recorded_statements
from capture.models import ApiUsage, Document
from capture.people import rates
from conftest import ON_POSTGRES, csrf_token
from test_api import assert_problem, bearer, register as api_register, token_for
from test_documents import form

ROOT = Path(__file__).resolve().parent.parent
WRITES = re.compile(r"^\s*(INSERT|UPDATE|DELETE|BEGIN|REPLACE)", re.I)


@contextmanager
def write_lock_held(app):
    """Another process's long write transaction: on SQLite it holds the one write lock; on
    PostgreSQL it locks the tables a registration and the rate limit write (reads go on)."""
    url = app.config["DATABASE_URL"]
    if ON_POSTGRES:
        import psycopg2
        other = psycopg2.connect(url)
        other.cursor().execute("LOCK TABLE document, api_usage, api_token IN EXCLUSIVE MODE")
    else:
        other = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None, timeout=0)
        other.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        other.rollback() if ON_POSTGRES else other.execute("ROLLBACK")
        other.close()


@pytest.fixture
def impatient(app, tmp_path):
    """The same database, bound with a short busy timeout so the tests need not wait 10 s."""
    quick = create_app({**{k: app.config[k] for k in ("DATA_DIR", "DATABASE_URL", "SECRET_KEY")},
                        "TESTING": True, "DB_BUSY_SECONDS": 0.3})
    yield quick
    if not db.is_closed():
        db.close()


def test_api_reads_answer_while_another_process_holds_the_write_lock(app, impatient, world):
    raw = token_for(world["secretary"])
    body = world["a"]
    urls = ["/api/v1/token", "/api/v1/bodies", f"/api/v1/bodies/{body.id}",
            f"/api/v1/bodies/{body.id}/documents"]
    client = impatient.test_client()
    # A read that waited for the lock would give up after 0.3 s and answer 503, however fast
    # the machine: each one answering 200 means none waited.
    with write_lock_held(app):
        assert [client.get(u, headers=bearer(raw)).status_code for u in urls] == [200] * 4


def test_api_reads_write_only_to_take_a_block_of_the_rate_limit(app, client, world):
    raw = token_for(world["secretary"])
    assert rates.block_for(app.config["API_RATE_PER_MINUTE"]) >= 3
    assert client.get("/api/v1/bodies", headers=bearer(raw)).status_code == 200  # takes a block
    with recorded_statements() as statements:
        for _ in range(2):
            assert client.get("/api/v1/bodies", headers=bearer(raw)).status_code == 200
    assert not [s for s in statements if WRITES.match(s)]


def test_the_rate_limit_holds_across_processes_from_shared_blocks(app, world):
    token = token_for(world["secretary"])
    from capture.models import ApiToken
    from capture.people import tokens
    row = ApiToken.get(ApiToken.token_hash == tokens.digest(token))
    first, second = rates.RateCounter(), rates.RateCounter()  # two workers' memories
    assert [first.count(row, 5) for _ in range(3)] == [0, 0, 0]
    assert ApiUsage.get().count == 3  # taken before they were spent
    assert [second.count(row, 5) for _ in range(2)] == [0, 0]
    assert second.count(row, 5) > 0 and first.count(row, 5) > 0  # 5 given out: none more
    assert first.flush() and second.flush() and ApiUsage.get().count == 5
    assert ApiToken.get_by_id(row.id).last_used_at is not None


def test_counts_wait_in_memory_while_the_lock_is_taken_and_are_never_lost(app, world):
    token = token_for(world["secretary"])
    from capture.models import ApiToken
    from capture.people import tokens
    row = ApiToken.get(ApiToken.token_hash == tokens.digest(token))
    counter = rates.RateCounter()
    counter.count(row, 100)  # takes a block of 2 and spends one
    with write_lock_held(app), recorded_statements() as statements:
        assert [counter.count(row, 100) for _ in range(3)] == [0, 0, 0]  # 1 of the block, 2 owed
        assert counter.flush() is False
    # It did not queue: its transaction asked for the lock without waiting.
    assert any("busy_timeout = 0" in s or "lock_timeout = '100ms'" in s for s in statements)
    assert counter.flush() and ApiUsage.get().count == 4


def test_an_api_write_that_cannot_get_the_lock_is_a_problem_document(impatient, world):
    client = impatient.test_client()
    raw = token_for(world["secretary"])
    with write_lock_held(impatient):
        response = api_register(client, raw, world["a"])
    problem = assert_problem(response, 503)
    assert problem["type"].endswith("#problem-busy") and response.headers["Retry-After"]
    assert Document.select().count() == 0
    assert api_register(client, raw, world["a"]).status_code == 201  # and a retry goes through


def test_a_web_registration_that_cannot_get_the_lock_gets_a_page_saying_so(impatient, world):
    client = impatient.test_client()
    page = client.get("/login")
    client.post("/login", data={"username": "secretary", "password": "correct horse battery",
                                "csrf_token": csrf_token(page)})
    url = f"/bodies/{world['a'].id}/documents/new"
    token = csrf_token(client.get(url))
    with write_lock_held(impatient):
        response = client.post(url, data={**form(), "csrf_token": token},
                               content_type="multipart/form-data")
    assert response.status_code == 503 and response.mimetype == "text/html"
    text = response.get_data(as_text=True)
    assert "系统正忙" in text and "Traceback" not in text
    assert Document.select().count() == 0


def test_the_busy_timeout_sits_below_the_documented_worker_timeout():
    guide = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    line = re.search(r"`gunicorn [^`]*`", guide).group(0)
    timeout = re.search(r"--timeout (\d+)", line)
    assert timeout, f"the operations guide's gunicorn line names no timeout: {line}"
    assert BUSY_TIMEOUT_SECONDS < int(timeout.group(1)) / 2
