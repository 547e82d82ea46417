"""Format identification from content with opf-fido (PRONOM), as archives do it."""
import io
import threading
import zipfile
from dataclasses import dataclass

import olefile
from flask_babel import lazy_gettext as _l

# PRONOM identifiers of the formats DA/T 70 accepts for long-term keeping (docs/architecture.md).
LONG_TERM = {
    # PDF/A (1a 1b 2a 2b 2u 3a 3b 3u)
    "fmt/95", "fmt/354", "fmt/476", "fmt/477", "fmt/478", "fmt/479", "fmt/480", "fmt/481",
    # JPEG: raw, JFIF, Exif compressed
    "fmt/41", "fmt/42", "fmt/43", "fmt/44", "x-fmt/390", "x-fmt/391", "x-fmt/398", "fmt/645",
    "fmt/1507",
    # TIFF, Exif uncompressed
    "fmt/7", "fmt/8", "fmt/9", "fmt/10", "fmt/353", "fmt/153", "fmt/154", "fmt/155", "fmt/156",
    "x-fmt/387", "x-fmt/388", "x-fmt/399",
    # WAV and Broadcast WAVE
    "fmt/6", "fmt/141", "fmt/142", "fmt/143", "fmt/1", "fmt/2", "fmt/527", "fmt/703", "fmt/704",
    "fmt/705", "fmt/706", "fmt/707", "fmt/708", "fmt/709", "fmt/710", "fmt/711",
    # MP3
    "fmt/134", "x-fmt/279",
    # MPEG-2 (program stream, transport stream, elementary stream), MP4
    "x-fmt/386", "fmt/585", "fmt/640", "fmt/199",
    # XML
    "fmt/101", "fmt/1776",
}
EXECUTABLE = {"x-fmt/409", "x-fmt/410", "x-fmt/411", "fmt/899", "fmt/900", "fmt/688", "fmt/689",
              "fmt/690", "fmt/691", "fmt/692", "fmt/693", "fmt/694", "fmt/695", "fmt/1070",
              "fmt/1466", "fmt/1672"}
MACRO_ENABLED = {"fmt/445", "fmt/487", "fmt/523", "fmt/599", "fmt/627", "fmt/628", "fmt/630",
                 "fmt/632", "fmt/633", "fmt/636", "fmt/927", "fmt/928", "fmt/929"}
# Magic numbers checked besides PRONOM, whose signatures miss some (e.g. a bare MZ stub).
EXECUTABLE_MAGIC = (b"MZ", b"\x7fELF", b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf",
                    b"\xce\xfa\xed\xfe", b"\xcf\xfa\xed\xfe", b"\xca\xfe\xba\xbe", b"#!")
OFD = ("", "OFD 版式文档 (GB/T 33190)", "application/ofd")
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

REFUSED_EXECUTABLE = _l("这是可执行程序或脚本，不能作为档案登记。请上传文件本身（如 PDF、图片）。")
REFUSED_MACRO = _l("这是含宏的办公文档，宏可能携带病毒，不能登记。请另存为 PDF（最好是 PDF/A）或不含宏的格式后再上传。")


class FormatRefused(Exception):
    """The content may not be registered; str() is the message for the user."""


@dataclass(frozen=True)
class Identification:
    """What the content is: PRONOM id, format name, media type, accepted for keeping."""
    puid: str
    format_name: str
    media_type: str
    long_term: bool


class _Identifier:
    """One Fido with its PRONOM signatures, loaded once; calls are serialised (Fido keeps state)."""

    def __init__(self):
        from xml.etree import ElementTree

        from fido import CONFIG_DIR
        from fido.fido import Fido
        from fido.package import OlePackage, ZipPackage
        from fido.versions import get_local_versions
        versions = get_local_versions(CONFIG_DIR)
        self.fido = Fido(quiet=True, handle_matches=lambda *args: None, format_files=[
            versions.pronom_signature, versions.fido_extension_signature])
        self.containers = ElementTree.parse(f"{CONFIG_DIR}/{versions.pronom_container_signature}")
        self.packages = {"zip": ("ZIP", ZipPackage), "ole": ("OLE2", OlePackage)}
        self.lock = threading.Lock()

    def matches(self, stream, size):
        """Fido's identify_file, on an open seekable stream: signature, then container match."""
        with self.lock:
            stream.seek(0)
            bof, eof, _ = self.fido.get_buffers(stream, size, seekable=True)
            matches = self.fido.match_formats(bof, eof) if size else []
            container = self.fido.container_type(matches)
            if container in self.packages:
                kind, package = self.packages[container]
                stream.seek(0)
                found = self.fido.match_container(kind, package, stream, self.containers)
                matches = found or matches
            stream.seek(0)
            return [(f.findtext("puid"), f.findtext("name"), f.findtext("version"),
                     f.findtext("mime")) for f, _ in matches]


_identifier = None
_identifier_lock = threading.Lock()


def identifier():
    """The process-wide identifier, created on first use (loading signatures takes ~0.2 s)."""
    global _identifier
    with _identifier_lock:
        if _identifier is None:
            _identifier = _Identifier()
    return _identifier


def identify(stream):
    """Identify a seekable binary stream by content; raise FormatRefused for unsafe content."""
    stream.seek(0, io.SEEK_END)
    size = stream.tell()
    stream.seek(0)
    head = stream.read(8)
    stream.seek(0)
    if head.startswith(EXECUTABLE_MAGIC):
        raise FormatRefused(str(REFUSED_EXECUTABLE))
    matches = identifier().matches(stream, size)
    puids = {m[0] for m in matches}
    if puids & EXECUTABLE:
        raise FormatRefused(str(REFUSED_EXECUTABLE))
    if puids & MACRO_ENABLED or _has_macros(stream, head):
        raise FormatRefused(str(REFUSED_MACRO))
    if head.startswith(b"PK") and _zip_names(stream) & {"OFD.xml"}:
        return Identification(OFD[0], OFD[1], OFD[2], True)
    if not matches:
        return Identification("", "", "application/octet-stream", False)
    puid, name, version, mime = _best(matches)
    full_name = f"{name} {version}" if version and version not in name else name
    return Identification(puid, full_name, mime or "application/octet-stream", puid in LONG_TERM)


def _best(matches):
    """Fido may return several equally good matches: prefer an accepted format, then a media type."""
    return sorted(matches, key=lambda m: (m[0] not in LONG_TERM, not m[3]))[0]


def _zip_names(stream):
    try:
        with zipfile.ZipFile(stream) as archive:
            return set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return set()
    finally:
        stream.seek(0)


def _has_macros(stream, head):
    """VBA inside an OOXML package or an OLE (97–2003) document."""
    if head.startswith(b"PK"):
        names = _zip_names(stream)
        return any(n.lower().endswith("vbaproject.bin") for n in names)
    if head.startswith(OLE_MAGIC):
        try:
            with olefile.OleFileIO(stream) as ole:
                paths = ["/".join(p).lower() for p in ole.listdir(streams=True, storages=True)]
        except OSError:
            return False
        finally:
            stream.seek(0)
        return any(p.startswith("macros") or "_vba_project" in p or p.endswith("/vba") or p == "vba"
                   for p in paths)
    return False
