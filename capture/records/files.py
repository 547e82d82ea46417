"""Files of a document: clean Unicode names, identification, storing, duplicates, versions."""
import shutil
import tempfile
import unicodedata
from dataclasses import dataclass

from flask_babel import gettext as _

from capture import storage
from capture.models import Document, File

from . import formats

MAX_NAME = 255
INLINE_TYPES = ("application/pdf", "image/jpeg", "image/png", "image/gif", "image/tiff",
                "image/webp")


@dataclass
class StoredUpload:
    """An upload already in the store, waiting for its File row."""
    original_name: str
    sha256: str
    size: int
    identification: formats.Identification


def clean_name(raw):
    """The original name, NFC, without folders or control characters; Chinese is kept."""
    name = unicodedata.normalize("NFC", str(raw or ""))
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C").strip().strip(".")
    if len(name) > MAX_NAME:
        stem, dot, ext = name.rpartition(".")
        ext = ext[:20] if dot else ""
        name = (stem if dot else name)[:MAX_NAME - len(ext) - 1] + (("." + ext) if ext else "")
    return name or _("未命名文件")


def _seekable(stream):
    """The stream itself when it can seek; else a temporary copy (spilled to disk when large)."""
    try:
        if stream.seekable():
            stream.seek(0)
            return stream, False
    except (AttributeError, OSError):
        pass
    copy = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
    shutil.copyfileobj(stream, copy, 1024 * 1024)
    copy.seek(0)
    return copy, True


def store_uploads(store, uploads, max_bytes=None):
    """Identify and store each (name, stream, length) upload; raise RegistrationError listing refusals."""
    from capture.text import RegistrationError
    stored, errors = [], []
    for raw_name, stream, length in uploads:
        name = clean_name(raw_name)
        stream, is_copy = _seekable(stream)
        try:
            identification = formats.identify(stream)
            sha, size = store.save(stream, max_bytes=max_bytes, expected_bytes=length)
        except formats.FormatRefused as refused:
            errors.append(f"{name}：{refused}")
            continue
        except storage.TooLarge:
            errors.append(_("%(name)s：文件超过上传上限 %(mb)s MB。", name=name,
                            mb=(max_bytes or 0) // (1024 * 1024)))
            continue
        except storage.DiskFull:
            errors.append(_("%(name)s：服务器磁盘空间不足，未能保存。请联系管理员。", name=name))
            continue
        finally:
            if is_copy:
                stream.close()
        stored.append(StoredUpload(name, sha, size, identification))
    if errors:
        raise RegistrationError({"files": errors})
    return stored


def create_file(document, upload, user, replaces=None):
    """The File row of a stored upload (a new version when it replaces another)."""
    ident = upload.identification
    return File.create(document=document, original_name=upload.original_name,
                       sha256=upload.sha256, size=upload.size, media_type=ident.media_type,
                       puid=ident.puid, format_name=ident.format_name, long_term=ident.long_term,
                       version=(replaces.version + 1) if replaces else 1, replaces=replaces,
                       created_by=user)


def describe(file):
    """The audit details of a file."""
    return {"file_id": file.id, "name": file.original_name, "sha256": file.sha256,
            "size": file.size, "puid": file.puid, "media_type": file.media_type,
            "version": file.version, "replaces": file.replaces_id}


def duplicates(document):
    """{file id: [reference codes of other documents of the body holding the same content]}."""
    mine = {f.sha256: f.id for f in document.files}
    if not mine:
        return {}
    others = (File.select(File.sha256, Document.reference_code).join(Document)
              .where(Document.body == document.body_id, Document.id != document.id,
                     File.sha256.in_(list(mine)))
              .order_by(Document.reference_code).tuples())
    found = {}
    for sha, code in others:
        codes = found.setdefault(mine[sha], [])
        if code not in codes:
            codes.append(code)
    return found


def files_of(document):
    """The document's files, oldest first, with which are current (not replaced by a newer version)."""
    files = list(File.select().where(File.document == document).order_by(File.id))
    replaced = {f.replaces_id for f in files if f.replaces_id}
    return [(f, f.id not in replaced) for f in files]


def is_inline(file):
    """PDF and raster images open in the browser; everything else downloads."""
    return file.media_type in INLINE_TYPES
