"""Backup while in use, and restore into an empty data folder."""
import io
import os

from capture import audit, create_app, schema
from capture.db import db
from capture.models import AuditEvent, Body, User


def _fill(app, n=3):
    store = app.extensions["store"]
    digests = [store.save(io.BytesIO(f"文件内容 {i}".encode()))[0] for i in range(n)]
    for i in range(n):
        audit.record("test.event", details={"i": i})
    return digests


def _restored_app(tmp_path, postgres_url):
    if postgres_url:  # restore into an empty database
        with db.connection_context():
            db.execute_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    return create_app({"TESTING": True, "SECRET_KEY": "t", "DATA_DIR": str(tmp_path / "restored"),
                       "DATABASE_URL": postgres_url or f"sqlite:///{tmp_path / 'restored' / 'capture.sqlite3'}"})


def test_backup_and_restore_bring_back_everything(app, runner, world, tmp_path, postgres_url):
    digests = _fill(app)
    result = runner.invoke(args=["backup", str(tmp_path / "backups")])
    assert result.exit_code == 0, result.output
    folder = next((tmp_path / "backups").iterdir())
    users, events = User.select().count(), AuditEvent.select().count()

    restored = _restored_app(tmp_path, postgres_url)
    result = restored.test_cli_runner().invoke(args=["restore", str(folder)])
    assert result.exit_code == 0, result.output
    with restored.app_context(), db.connection_context():
        assert User.select().count() == users and AuditEvent.select().count() == events
        assert {b.code for b in Body.select()} == {"AAA", "BBB"}
        assert audit.verify_database() == (events, None)
        assert not schema.pending()
    store = restored.extensions["store"]
    assert all(store.verify(d) for d in digests)


def test_restore_refuses_a_damaged_backup(app, runner, tmp_path, postgres_url):
    digest = _fill(app, 1)[0]
    runner.invoke(args=["backup", str(tmp_path / "backups")])
    folder = next((tmp_path / "backups").iterdir())
    damaged = folder / "store" / digest[:2] / digest[2:4] / digest
    damaged.write_bytes(b"bit rot")
    restored = _restored_app(tmp_path, postgres_url)
    result = restored.test_cli_runner().invoke(args=["restore", str(folder)])
    assert result.exit_code != 0 and "changed: store/" in result.output


def test_restore_refuses_a_folder_in_use(app, runner, tmp_path):
    _fill(app, 1)
    runner.invoke(args=["backup", str(tmp_path / "backups")])
    folder = next((tmp_path / "backups").iterdir())
    result = runner.invoke(args=["restore", str(folder)])  # into the live data folder
    assert result.exit_code != 0 and "already holds files" in result.output
    assert not any(p.name.endswith(".partial") for p in (tmp_path / "backups").iterdir())
    assert os.listdir(tmp_path / "backups") == [folder.name]


def test_restore_given_the_folder_backup_was_given_takes_the_newest_and_says_so(app, runner, world, tmp_path, postgres_url):
    import datetime as dt

    from capture.ops import backup
    _fill(app, 1)
    backups = tmp_path / "backups"
    store, url = app.extensions["store"].root, app.config["DATABASE_URL"]
    backup.backup(url, store, backups, now=dt.datetime(2026, 11, 30, 2, 0))
    audit.record("test.event", details={"after": "the first backup"})
    backup.backup(url, store, backups, now=dt.datetime(2026, 12, 1, 2, 0))
    events = AuditEvent.select().count()

    restored = _restored_app(tmp_path, postgres_url)
    listed = restored.test_cli_runner().invoke(args=["restore", "--list", str(backups)])
    assert listed.exit_code == 0 and listed.output.split() == [
        str(backups / "capture-backup-20261130-020000"), str(backups / "capture-backup-20261201-020000")]
    result = restored.test_cli_runner().invoke(args=["restore", str(backups)])
    assert result.exit_code == 0, result.output
    assert "Restoring the newest of 2 backups" in result.output and "capture-backup-20261201-020000" in result.output
    with restored.app_context(), db.connection_context():
        assert AuditEvent.select().count() == events  # the newer one


def test_restore_of_a_folder_without_backups_says_what_it_looks_for(app, runner, tmp_path):
    empty = tmp_path / "nothing-here"
    empty.mkdir()
    result = runner.invoke(args=["restore", str(empty)])
    assert result.exit_code != 0 and "capture-backup-YYYYMMDD-HHMMSS" in result.output


def test_a_restore_in_another_data_folder_serves_the_exported_packages(app, runner, tmp_path, postgres_url):
    from conftest import PASSWORD, csrf_token, make_user
    from capture.models import Transfer
    from capture.transfer import packaging
    from transfer_support import flood_body
    body, _secretary, _docs = flood_body(app)
    make_user("boss", "admin")
    with app.app_context():  # exported as the web does, into the data folder
        transfer = packaging.claim(body, None, "测试员")
        packaging.export(transfer, app.extensions["store"], packaging.packages_dir(body))
    transfer = Transfer.get()
    assert not os.path.isabs(transfer.package_path)
    assert runner.invoke(args=["backup", str(tmp_path / "backups")]).exit_code == 0
    package = os.path.join(app.config["DATA_DIR"], transfer.package_path)
    sent = {"package": open(package, "rb").read(),
            "register": packaging.register_path(package).read_bytes()}

    restored = _restored_app(tmp_path, postgres_url)
    result = restored.test_cli_runner().invoke(args=["restore", str(tmp_path / "backups")])
    assert result.exit_code == 0, result.output
    client = restored.test_client()
    client.post("/login", data={"username": "boss", "password": PASSWORD,
                                "csrf_token": csrf_token(client.get("/login"))})
    for what, data in sent.items():
        response = client.get(f"/bodies/{body.id}/transfer/{transfer.id}/{what}")
        assert response.status_code == 200 and response.data == data, what


def test_exported_package_paths_inside_the_data_folder_become_relative(app):
    import importlib

    from capture.models import Transfer
    from conftest import make_body
    migration = importlib.import_module("capture.migrations.0013_relative_package_paths")
    body = make_body("AAA")
    inside = Transfer.create(body=body, package_path=os.path.join(app.config["DATA_DIR"], "packages/AAA/p.zip"))
    outside = Transfer.create(body=body, package_path="/elsewhere/q.zip")
    with app.app_context():
        migration.up(None, db)
        assert Transfer.get_by_id(inside.id).package_path == "packages/AAA/p.zip"
        assert Transfer.get_by_id(outside.id).package_path == "/elsewhere/q.zip"
        migration.down(None, db)
    assert Transfer.get_by_id(inside.id).package_path == os.path.join(app.config["DATA_DIR"], "packages/AAA/p.zip")
