"""Fixity: the store is re-hashed; damaged and missing files are named with their documents."""
import datetime as dt
import hashlib
import io
import os

from capture.models import Document, File, Notification
from capture.ops import fixity


def register(app, world, content, number, store=True):
    """A document holding one file; the file is put in the store unless `store` is False."""
    sha = hashlib.sha256(content).hexdigest()
    if store:
        app.extensions["store"].save(io.BytesIO(content))
    document = Document.create(body=world["a"], record_class="WS", year=2026, retention="D30",
                               class_key="WS·2026-D30-ZH", item_number=number,
                               reference_code=f"J001-WS·2026-D30-ZH-{number:04d}",
                               responsible="办公室", title="会议纪要", date=dt.date(2026, 3, 1),
                               created_by=world["secretary"])
    File.create(document=document, original_name=f"{number}.pdf", sha256=sha, size=len(content),
                created_by=world["secretary"])
    return sha


def damage(app, sha):
    path = app.extensions["store"].path(sha)
    os.chmod(path, 0o640)
    path.write_bytes(b"bit rot")


def test_fixity_names_damaged_and_missing_files_and_the_documents_holding_them(app, runner, world):
    register(app, world, b"intact minutes", 1)
    damaged = register(app, world, b"minutes that will rot", 2)
    missing = register(app, world, b"never stored", 3, store=False)
    damage(app, damaged)
    result = runner.invoke(args=["fixity"])
    assert result.exit_code == 1
    assert f"DAMAGED {damaged}  held by: J001-WS·2026-D30-ZH-0002" in result.output
    assert f"MISSING {missing}  held by: J001-WS·2026-D30-ZH-0003" in result.output
    assert "1 damaged, 1 missing of 3 files" in result.output
    note = Notification.get(Notification.user == world["admin"], Notification.kind == "fixity")
    assert "J001-WS·2026-D30-ZH-0002" in note.message and "J001-WS·2026-D30-ZH-0003" in note.message


def test_fixity_passes_on_an_intact_store(app, runner, world):
    register(app, world, b"intact minutes", 1)
    result = runner.invoke(args=["fixity"])
    assert result.exit_code == 0 and "Fixity OK: 1 files re-hashed" in result.output
    assert not Notification.select().exists()


def test_seven_nightly_slices_cover_every_file_exactly_once():
    digests = [hashlib.sha256(str(i).encode()).hexdigest() for i in range(500)]
    slices = [[d for d in digests if fixity.in_slice(d, day)] for day in range(7)]
    assert sorted(sum(slices, [])) == sorted(digests)
    assert min(len(s) for s in slices) > 40  # spread over the week, not piled on one night


def test_slice_rehashes_only_tonights_part(app, runner, world):
    shas = [register(app, world, f"file {i}".encode(), i + 1) for i in range(20)]
    for day in range(7):
        result = runner.invoke(args=["fixity", "--slice", "--weekday", str(day)])
        expected = sum(fixity.in_slice(sha, day) for sha in shas)
        assert f"{expected} files re-hashed (slice {day} of 7)" in result.output


def test_fixity_reports_stored_files_no_document_holds(app, runner, world):
    register(app, world, b"held minutes", 1)
    orphan, _size = app.extensions["store"].save(io.BytesIO(b"left by a killed import"))
    result = runner.invoke(args=["fixity"])
    assert result.exit_code == 0, result.output
    assert f"ORPHAN {orphan}" in result.output
    assert result.output.count("ORPHAN") == 1


def test_only_old_files_no_document_holds_are_removed(app, world):
    store = app.extensions["store"]
    held = register(app, world, b"held minutes", 1)
    old, _ = store.save(io.BytesIO(b"left by an import killed long ago"))
    fresh, _ = store.save(io.BytesIO(b"stored a moment ago, its row not yet written"))
    again, _ = store.save(io.BytesIO(b"old, but just stored again by an upload"))
    long_ago = dt.datetime.now().timestamp() - fixity.ORPHAN_SECONDS - 60
    for digest in (held, old, again):
        os.utime(store.path(digest), (long_ago, long_ago))
    store.save(io.BytesIO(b"old, but just stored again by an upload"))
    report = fixity.check(store)
    assert sorted(report.orphans) == sorted([old, fresh, again])
    assert fixity.remove_orphans(store, report.orphans) == [old]
    assert not store.exists(old) and store.exists(fresh) and store.exists(again) and store.exists(held)
