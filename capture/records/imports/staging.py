"""Uploads kept between an import's check and its confirmation, so the zip is sent only once.

Each upload waits in DATA_DIR/imports/<random id>/ with a note of who sent it for which body;
only that user can confirm it for that body. Leftovers older than a day are removed.
"""
import json
import secrets
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from flask_babel import gettext as _

from .sources import SourceError, copy_stream, open_files, read_table

MAX_TABLE_BYTES = 20 * 1024 * 1024
KEEP_SECONDS = 24 * 3600
TABLE, FILES, NOTE = "table", "files.zip", "note.json"


@dataclass
class Staged:
    """An upload waiting for confirmation."""
    id: str
    folder: Path
    table_name: str

    @property
    def has_files(self):
        """True when a zip of files came with the table."""
        return (self.folder / FILES).is_file()


def _root(data_dir):
    root = Path(data_dir) / "imports"
    root.mkdir(parents=True, exist_ok=True)
    return root


def clean_old(data_dir, now=None):
    """Remove uploads nobody confirmed within a day."""
    limit = (now or time.time()) - KEEP_SECONDS
    for folder in _root(data_dir).iterdir():
        if folder.is_dir() and folder.stat().st_mtime < limit:
            shutil.rmtree(folder, ignore_errors=True)


def stage(data_dir, user, body, table_name, table_stream, files_stream=None):
    """Keep the uploaded table (and zip of files) for this user and body; return the Staged."""
    clean_old(data_dir)
    staged = Staged(secrets.token_hex(16), None, table_name)
    staged.folder = _root(data_dir) / staged.id
    staged.folder.mkdir()
    copy_stream(table_stream, staged.folder / TABLE)
    if (staged.folder / TABLE).stat().st_size > MAX_TABLE_BYTES:
        discard(staged)
        raise SourceError(_("表格文件超过 20 MB，请分成几份导入。"))
    if files_stream is not None:
        copy_stream(files_stream, staged.folder / FILES)
    (staged.folder / NOTE).write_text(json.dumps(
        {"user": user.id, "body": body.id, "table_name": table_name}), encoding="utf-8")
    return staged


def load(data_dir, user, body, staged_id):
    """The staged upload with this id, if this user staged it for this body; else None."""
    if not (isinstance(staged_id, str) and len(staged_id) == 32 and staged_id.isalnum()):
        return None
    folder = _root(data_dir) / staged_id
    try:
        note = json.loads((folder / NOTE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if note.get("user") != user.id or note.get("body") != body.id:
        return None
    return Staged(staged_id, folder, note["table_name"])


def read(staged, max_bytes):
    """(header, rows, file source or None) of a staged upload."""
    header, rows = read_table((staged.folder / TABLE).read_bytes(), staged.table_name)
    source = open_files(staged.folder / FILES, max_bytes) if staged.has_files else None
    return header, rows, source


def discard(staged):
    """Remove a staged upload."""
    shutil.rmtree(staged.folder, ignore_errors=True)
