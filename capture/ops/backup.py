"""Consistent online backups (database + file store + manifest) and restore into an empty folder."""
import datetime as dt
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

from capture.storage import CHUNK

MANIFEST = "manifest.json"
SQLITE_NAME = "capture.sqlite3"
PG_DUMP_NAME = "database.dump"


class BackupError(Exception):
    """A backup or restore cannot go on; the message says why."""


def _copy_hashed(source, target):
    """Copy a file and return its SHA-256, computed in the same pass."""
    digest = hashlib.sha256()
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(source, "rb") as src, open(target, "wb") as out:
        while chunk := src.read(CHUNK):
            digest.update(chunk)
            out.write(chunk)
        out.flush()
        os.fsync(out.fileno())
    return digest.hexdigest()


def _hash(path):
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def _pg_env(url):
    parts = urlsplit(url)
    env = dict(os.environ)
    if parts.password:
        env["PGPASSWORD"] = parts.password
    return env


def _pg_url(url):
    """libpq understands postgresql:// but not peewee's postgres+pool:// style prefixes."""
    return "postgresql://" + url.split("://", 1)[1]


PACKAGES = "packages"  # the exported transfer packages and their registers, in the data folder


def backup(database_url, store_root, target_dir, now=None, data_dir=None):
    """Write a backup folder under target_dir; return its path and the manifest.

    With `data_dir`, the transfer packages exported into it (and their registers) go in too."""
    stamp = (now or dt.datetime.now()).strftime("%Y%m%d-%H%M%S")
    folder = Path(target_dir) / f"capture-backup-{stamp}"
    partial = folder.with_name(folder.name + ".partial")
    if folder.exists():
        raise BackupError(f"{folder} already exists")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    files = {}
    # Database first: the store only ever grows, so every file the snapshot names is
    # already in the store when the store is copied after it.
    if database_url.startswith("sqlite"):
        source = sqlite3.connect(database_url.split(":///", 1)[1])
        target = sqlite3.connect(partial / SQLITE_NAME)
        with target:
            source.backup(target)  # SQLite's online backup API: consistent while in use
        source.close()
        target.close()
        files[SQLITE_NAME] = _hash(partial / SQLITE_NAME)
    else:
        subprocess.run(["pg_dump", "--format=custom", "--no-owner", "--file",
                        str(partial / PG_DUMP_NAME), _pg_url(database_url)],
                       check=True, env=_pg_env(database_url))
        files[PG_DUMP_NAME] = _hash(partial / PG_DUMP_NAME)
    damaged = []
    store_root = Path(store_root)
    for path in sorted(store_root.glob("??/??/*")):
        relative = path.relative_to(store_root)
        digest = _copy_hashed(path, partial / "store" / relative)
        if digest != path.name:
            damaged.append(str(relative))
        files["store/" + relative.as_posix()] = digest
    packages = Path(data_dir) / PACKAGES if data_dir else None
    if packages is not None and packages.is_dir():
        # Written once and renamed into place; ones still being built are dot-files (skipped).
        for path in sorted(p for p in packages.rglob("*") if p.is_file()):
            relative = path.relative_to(packages)
            if any(part.startswith(".") for part in relative.parts):
                continue
            name = f"{PACKAGES}/{relative.as_posix()}"
            files[name] = _copy_hashed(path, partial / name)
    manifest = {"format": "capture-backup/1", "created": dt.datetime.now().isoformat(),
                "database": "sqlite" if database_url.startswith("sqlite") else "postgresql",
                "algorithm": "sha256", "files": files, "damaged_in_store": damaged}
    (partial / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1))
    os.replace(partial, folder)
    return folder, manifest


def backups_in(folder):
    """The complete dated backups inside `folder` (the folder `backup` was given), oldest first."""
    return sorted(p for p in Path(folder).glob("capture-backup-*")
                  if p.is_dir() and not p.name.endswith(".partial") and (p / MANIFEST).is_file())


def chosen_backup(folder):
    """The backup a restore of `folder` means: the folder itself when it is one, else the newest
    dated backup inside it (the folder given to `capture backup`); None when there is neither."""
    folder = Path(folder)
    if (folder / MANIFEST).is_file():
        return folder
    found = backups_in(folder)
    return found[-1] if found else None


def verify_backup(folder):
    """Re-hash every file of a backup; return the list of problems (empty when sound)."""
    folder = Path(folder)
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
    except (OSError, ValueError) as exc:
        raise BackupError(f"{folder} is not a capture backup: {exc}") from exc
    problems = []
    for name, digest in manifest["files"].items():
        path = folder / name
        if not path.is_file():
            problems.append(f"missing: {name}")
        elif _hash(path) != digest:
            problems.append(f"changed: {name}")
    return manifest, problems


def restore(folder, database_url, store_root, data_dir=None):
    """Restore a verified backup into an empty store and an empty database (and its packages
    into `data_dir`)."""
    manifest, problems = verify_backup(folder)
    if problems:
        raise BackupError("the backup is damaged: " + "; ".join(problems[:10]))
    store_root = Path(store_root)
    if any(p.is_file() for p in store_root.rglob("*")):
        raise BackupError(f"{store_root} already holds files; restore only into an empty data folder")
    folder = Path(folder)
    if manifest["database"] == "sqlite":
        if not database_url.startswith("sqlite"):
            raise BackupError("this backup holds a SQLite database; set CAPTURE_DATABASE_URL to a SQLite file")
        target = Path(database_url.split(":///", 1)[1])
        if target.exists():
            raise BackupError(f"{target} already exists; restore only into an empty data folder")
        _copy_hashed(folder / SQLITE_NAME, target)
    else:
        subprocess.run(["pg_restore", "--no-owner", "--exit-on-error", "--dbname",
                        _pg_url(database_url), str(folder / PG_DUMP_NAME)],
                       check=True, env=_pg_env(database_url))
    for name in manifest["files"]:
        if name.startswith("store/"):
            _copy_hashed(folder / name, store_root / name.removeprefix("store/"))
        elif name.startswith(PACKAGES + "/") and data_dir is not None:
            _copy_hashed(folder / name, Path(data_dir) / name)
    return manifest
