"""The audit chain: append-only, hash-chained, and tamper-evident."""
import threading

from capture import audit
from capture.db import db
from capture.models import AuditEvent


def _events(n, body=None):
    for i in range(n):
        audit.record("test.event", details={"i": i, "text": "审计"}, body=body)


def test_chain_verifies(app):
    _events(5)
    assert audit.verify_database() == (5, None)


def test_edited_event_breaks_the_chain(app):
    _events(5)
    third = AuditEvent.select().order_by(AuditEvent.id).offset(2).get()
    AuditEvent.update(details='{"i": 99}').where(AuditEvent.id == third.id).execute()
    count, broken = audit.verify_database()
    assert broken.id == third.id


def test_deleted_event_breaks_the_chain(app):
    _events(5)
    third = AuditEvent.select().order_by(AuditEvent.id).offset(2).get()
    AuditEvent.delete().where(AuditEvent.id == third.id).execute()
    count, broken = audit.verify_database()
    assert broken is not None and broken.id > third.id


def test_body_events_form_their_own_chain(app, world):
    _events(3, body=world["a"])
    _events(2, body=world["b"])
    events = audit.body_events(world["a"])
    assert [e.body_prev_hash for e in events[1:]] == [e.hash for e in events[:-1]]


def test_concurrent_writers_never_fork_the_chain(app):
    def write():
        with db.connection_context():
            _events(10)
    threads = [threading.Thread(target=write) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert audit.verify_database() == (40, None)


def test_cli_audit_verify_names_the_broken_event(app, runner):
    _events(3)
    assert "intact: 3 events" in runner.invoke(args=["audit-verify"]).output
    last = AuditEvent.select().order_by(AuditEvent.id.desc()).get()
    AuditEvent.update(action="tampered").where(AuditEvent.id == last.id).execute()
    result = runner.invoke(args=["audit-verify"])
    assert result.exit_code == 1 and f"event {last.id}" in result.output
