"""Transfer.package_path relative to the data folder (issue 23): a restore into another data
folder, on another host, still finds the packages exported into it."""
from pathlib import Path

from flask import current_app, has_app_context


def _data_dir():
    # Migrations run from the `capture` command, inside the app; without it there is no data
    # folder to measure against, and nothing is changed.
    return Path(current_app.config["DATA_DIR"]) if has_app_context() else None


def _rewrite(db, change):
    data_dir = _data_dir()
    if data_dir is None:
        return
    rows = db.execute_sql("SELECT id, package_path FROM transfer WHERE package_path <> ''").fetchall()
    for transfer_id, path in rows:
        changed = change(data_dir, path)
        if changed != path:
            db.execute_sql(f"UPDATE transfer SET package_path = {db.param} WHERE id = {db.param}",
                           (changed, transfer_id))


def _relative(data_dir, path):
    return Path(path).relative_to(data_dir).as_posix() if Path(path).is_relative_to(data_dir) else path


def _absolute(data_dir, path):
    return path if Path(path).is_absolute() else str(data_dir / path)


def up(migrator, db):
    _rewrite(db, _relative)


def down(migrator, db):
    _rewrite(db, _absolute)
