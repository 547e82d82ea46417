"""Files of a document: clean Unicode names, identification, storing, duplicates, versions."""
import shutil
import tempfile
import unicodedata
from dataclasses import asdict, dataclass, field

from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeTimedSerializer

from capture import storage
from capture.models import Document, File

from . import filefacts, formats

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
    facts: dict = field(default_factory=dict)  # filefacts.establish(): the File row's fact columns

    @property
    def pages(self):
        """The pages read from the file (None when it has no pages to count)."""
        return self.facts.get("pages")


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


def store_uploads(store, uploads, max_bytes=None, identified=None):
    """Identify and store each (name, stream, length) upload; raise InvalidInput listing refusals.

    `identified`, when given, holds each upload's Identification already made (by an import's
    check, which read the same bytes): fido takes tens of milliseconds a file.
    """
    from capture.forms import InvalidInput
    stored, errors = [], []
    for index, (raw_name, stream, length) in enumerate(uploads):
        name = clean_name(raw_name)
        stream, is_copy = _seekable(stream) if identified is None else (stream, False)
        try:
            identification = formats.identify(stream) if identified is None else identified[index]
            sha, size = store.save(stream, max_bytes=max_bytes, expected_bytes=length)
        except formats.FormatRefused as refused:
            errors.append(_("%(name)s：%(problem)s", name=name, problem=refused))
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
        stored.append(StoredUpload(name, sha, size, identification,
                                   filefacts.establish(store.path(sha), name, identification)))
    if errors:
        raise InvalidInput({"files": errors})
    return stored


def create_file(document, upload, user, replaces=None):
    """The File row of a stored upload (a new version when it replaces another)."""
    return File.create(document=document, original_name=upload.original_name,
                       sha256=upload.sha256, size=upload.size, **upload.facts,
                       version=(replaces.version + 1) if replaces else 1, replaces=replaces,
                       created_by=user)


def describe(file):
    """The audit details of a file."""
    return {"file_id": file.id, "name": file.original_name, "sha256": file.sha256,
            "size": file.size, "puid": file.puid, "media_type": file.media_type,
            "version": file.version, "replaces": file.replaces_id}


def duplicates(document):
    """{file id: [(reference code, document id) of other documents of the body with the same content]}."""
    mine = {f.sha256: f.id for f in document.files}
    if not mine:
        return {}
    others = (File.select(File.sha256, Document.reference_code, Document.id).join(Document)
              .where(Document.body == document.body_id, Document.id != document.id,
                     File.sha256.in_(list(mine)))
              .order_by(Document.reference_code).tuples())
    found = {}
    for sha, code, document_id in others:
        codes = found.setdefault(mine[sha], [])
        if (code, document_id) not in codes:
            codes.append((code, document_id))
    return found


def held_elsewhere(body, stored):
    """[(chosen name, Document)] for each stored upload whose content a document of `body` holds."""
    names = {}
    for upload in stored:
        names.setdefault(upload.sha256, []).append(upload.original_name)
    if not names:
        return []
    found, seen = [], set()
    query = (File.select(File.sha256, Document).join(Document)
             .where(Document.body == body, File.sha256.in_(list(names)))
             .order_by(Document.reference_code))
    for row in query:
        for name in names[row.sha256]:
            if (name, row.document.id) not in seen:
                seen.add((name, row.document.id))
                found.append((name, row.document))
    return found


def hold(stored, secret, user_id, body_id):
    """A signed token naming uploads already in the store, so a confirmation need not resend them."""
    plain = [{"name": s.original_name, "sha256": s.sha256, "size": s.size,
              "identification": asdict(s.identification)} for s in stored]  # facts read again
    return URLSafeTimedSerializer(secret, salt="held-uploads").dumps([user_id, body_id, plain])


def held(token, secret, user_id, body_id, store, max_age=86400):
    """The uploads a token from hold() names, for this user and body, still in the store; else []."""
    try:
        owner, body, plain = URLSafeTimedSerializer(secret, salt="held-uploads").loads(
            token, max_age=max_age)
    except (BadSignature, ValueError, TypeError):
        return []
    if (owner, body) != (user_id, body_id):
        return []
    found = []
    for p in plain:
        if store.exists(p["sha256"]):
            identification = formats.Identification(**p["identification"])
            found.append(StoredUpload(p["name"], p["sha256"], p["size"], identification,
                                      filefacts.establish(store.path(p["sha256"]), p["name"], identification)))
    return found


def current(document):
    """The document's files that no later version replaces, oldest first."""
    return [f for f, is_current in files_of(document) if is_current]


def files_of(document):
    """The document's files, oldest first, with which are current (not replaced by a newer version)."""
    files = list(File.select().where(File.document == document).order_by(File.id))
    replaced = {f.replaces_id for f in files if f.replaces_id}
    return [(f, f.id not in replaced) for f in files]


def is_inline(file):
    """PDF and raster images open in the browser; everything else downloads."""
    return file.media_type in INLINE_TYPES
