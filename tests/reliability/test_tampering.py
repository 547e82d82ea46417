"""Decay and tampering: one changed byte in the store, one edited audit event, both caught."""
import datetime as dt
import io
import os
import random

import pytest

from harness import file_bytes, print_figures, sites  # noqa: F401 (fixture)

pytestmark = pytest.mark.reliability


def _register_some(site, facts, rng, count=20):
    """Register documents through the registry, as the web form does; return their files."""
    from capture.models import Body, User
    from capture.records import registry
    stored = []
    with site.context() as app:
        body, user = Body.get_by_id(facts["body_id"]), User.get(User.username == facts["username"])
        for n in range(count):
            uploads = [(f"记录-{n}-{k}.dat", io.BytesIO(file_bytes(rng, rng.randint(10, 50_000))), None)
                       for k in range(rng.choice((1, 2)))]
            document = registry.register_document(body, user, {
                "category": rng.choice(facts["categories"]), "retention": "Y",
                "carrier": "electronic", "responsible": "可靠性测试指挥部",
                "title": f"会议纪要 {n}", "date": dt.date.today(), "pages": 1},
                uploads, store=app.extensions["store"])
            stored += [(document.reference_code, f.sha256) for f in document.files]
    return stored


def _change_one_byte(path, rng):
    os.chmod(path, 0o640)
    with open(path, "r+b") as f:
        size = f.seek(0, 2)
        offset = rng.randrange(size)
        f.seek(offset)
        byte = f.read(1)
        f.seek(offset)
        f.write(bytes([byte[0] ^ (1 << rng.randrange(8))]))  # one bit of one byte: decay
    return offset


def test_a_changed_byte_is_found_by_fixity_and_raised_to_the_admins(sites, capsys):
    from capture.models import Notification, User
    seed = random.randrange(10**6)
    rng = random.Random(seed)
    site = sites()
    facts = site.seed()
    files = _register_some(site, facts, rng)
    assert site.cli("fixity").returncode == 0
    reference_code, digest = rng.choice(files)
    offset = _change_one_byte(site.store.path(digest), rng)

    result = site.cli("fixity", check=False)
    with site.context():
        admins = {u.id for u in User.select().where(User.role == "admin")}
        notified = {n.user_id: n.message for n in Notification.select().where(Notification.kind == "fixity")}
    print_figures(capsys, site, "tampering: a changed byte", {
        "seed": seed, "files in the store": len(files),
        "changed": f"bit of byte {offset} of {digest[:12]}… ({reference_code})",
        "fixity exit code": result.returncode,
        "admins notified": f"{len(notified)} of {len(admins)}",
    })
    assert result.returncode == 1
    assert f"DAMAGED {digest}  held by: {reference_code}" in result.stderr
    assert set(notified) == admins and all(reference_code in m for m in notified.values())


def test_an_audit_event_edited_in_the_database_breaks_audit_verify(sites, capsys):
    from capture.db import db
    from capture.models import AuditEvent
    seed = random.randrange(10**6)
    rng = random.Random(seed)
    site = sites()
    facts = site.seed()
    _register_some(site, facts, rng, count=8)
    assert site.cli("audit-verify").returncode == 0
    with site.context():
        victim = rng.choice(list(AuditEvent.select()))
        column, value = rng.choice([("details", '{"title": "改过的题名"}'),
                                    ("username", "someone-else"), ("action", "document.edit")])
        # As someone with database access would do it: plain SQL, no application code.
        db.execute_sql(f"UPDATE {AuditEvent._meta.table_name} SET {column} = {db.param} WHERE id = {db.param}",
                       (value, victim.id))
    result = site.cli("audit-verify", check=False)
    print_figures(capsys, site, "tampering: an edited audit event", {
        "seed": seed, "edited": f"{column} of event {victim.id}",
        "audit-verify exit code": result.returncode,
    })
    assert result.returncode == 1
    assert f"Audit chain BROKEN at event {victim.id} " in result.stderr
