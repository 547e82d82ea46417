"""Open a file the way a reader would: identify it by its bytes, then parse it with a kept reader."""
import json
import logging
import struct
import zipfile
from dataclasses import dataclass, field
from pathlib import PurePath

import PIL
import pypdf
from lxml import etree
from PIL import Image
from pypdf import PdfReader

from capture.i18n import N_, message

# The long-term formats of DA/T 70 (docs/architecture.md); plain PDF only counts as PDF/A.
LONG_TERM_KINDS = {"ofd", "pdfa", "jpeg", "tiff", "wav", "mp3", "mp4", "xml"}
EXECUTABLE_KINDS = {"exe", "elf", "macho", "script"}
EXECUTABLE_SUFFIXES = {".exe", ".com", ".bat", ".cmd", ".scr", ".msi", ".dll", ".ps1", ".vbs",
                       ".js", ".jse", ".wsf", ".sh", ".jar", ".app", ".apk", ".lnk"}
# Msgids: a finding names the kind in its reader's language.
KIND_NAMES = {"pdf": "PDF", "pdfa": "PDF/A", "jpeg": "JPEG", "png": "PNG", "tiff": "TIFF",
              "gif": "GIF", "mp4": "MP4", "ofd": "OFD", "ooxml": "Office Open XML",
              "zip": N_("ZIP 压缩包"), "wav": "WAV", "mp3": "MP3", "xml": "XML", "ole": N_("旧版 Office"),
              "exe": N_("Windows 可执行程序"), "elf": N_("Linux 可执行程序"), "macho": N_("macOS 可执行程序"),
              "script": N_("脚本"), "unknown": N_("无法识别的格式")}
_MACHO = {b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf", b"\xce\xfa\xed\xfe", b"\xcf\xfa\xed\xfe"}

logging.getLogger("pypdf").setLevel(logging.ERROR)
# What an inspection's result depends on besides the bytes: the readers and these rules. A result
# recorded under other readers is not reused (see remembered()); bump "rules" when inspect() changes.
READERS = f"rules 4; pypdf {pypdf.__version__}; Pillow {PIL.__version__}; lxml {etree.__version__}"


@dataclass
class Inspection:
    """What a file turned out to be and what is wrong with it: [(code, severity, message)], a
    message a msgid or an i18n.message() (with its values), shown in the reader's language."""
    kind: str
    problems: list = field(default_factory=list)
    pages: int | None = None   # the page count read from a PDF, an OFD or a multi-page TIFF

    @property
    def long_term(self):
        """True for the formats accepted for long-term keeping."""
        return self.kind in LONG_TERM_KINDS


def sniff(head):
    """The kind of file these first bytes start."""
    if head.startswith(b"%PDF-") or b"%PDF-" in head[:1024]:
        return "pdf"
    signatures = [(b"\xff\xd8\xff", "jpeg"), (b"\x89PNG\r\n\x1a\n", "png"), (b"II*\x00", "tiff"),
                  (b"MM\x00*", "tiff"), (b"GIF8", "gif"), (b"PK\x03\x04", "zip"),
                  (b"\xd0\xcf\x11\xe0", "ole"), (b"MZ", "exe"), (b"\x7fELF", "elf"),
                  (b"#!", "script"), (b"ID3", "mp3")]
    for magic, kind in signatures:
        if head.startswith(magic):
            return kind
    if head[:4] in _MACHO:
        return "macho"
    if head[4:8] == b"ftyp":
        return "mp4"
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "wav"
    if head[:2] in (b"\xff\xfb", b"\xff\xf3", b"\xff\xf2"):
        return "mp3"
    if head.lstrip(b"\xef\xbb\xbf \r\n\t").startswith(b"<?xml"):
        return "xml"
    return "unknown"


def inspect(path, original_name):
    """Identify and open the file at `path`; report what stops it being read for the long term."""
    with open(path, "rb") as f:
        head = f.read(2048)
    kind = sniff(head)
    result = Inspection(kind)
    suffix = PurePath(original_name).suffix.lower()
    if kind in EXECUTABLE_KINDS or suffix in EXECUTABLE_SUFFIXES:
        result.problems.append(("SEC-EXECUTABLE", "fail", message(N_("是可执行文件或脚本（%(label)s）"),
                                                                  label=KIND_NAMES.get(kind, suffix))))
        return result
    opener = OPENERS.get(kind)
    if opener:
        try:
            opener(path, result)
        except Exception as exc:  # any reader error means the file does not open
            result.problems.append(("USE-OPEN", "fail", message(N_("无法作为 %(label)s 打开：%(error)s"),
                                                              label=KIND_NAMES[kind], error=_short(exc))))
    elif kind == "unknown":
        result.problems.append(("USE-FORMAT", "warning", N_("无法从内容识别文件格式")))
    return result


def remember(result):
    """An inspection as the text kept on the File row (File.inspection)."""
    return json.dumps({"readers": READERS, "kind": result.kind, "problems": result.problems,
                       "pages": result.pages}, ensure_ascii=False)


def remembered(text):
    """The Inspection kept as `text`, if it was made by today's readers; else None.

    The result depends only on the bytes, the file name's suffix and the readers, so once the
    bytes are known to be the registered ones it need not be worked out again.
    """
    try:
        kept = json.loads(text) if text else None
    except ValueError:
        return None
    if not isinstance(kept, dict) or kept.get("readers") != READERS:
        return None
    return Inspection(kept["kind"], [tuple(problem) for problem in kept["problems"]], kept.get("pages"))


class Broken(ValueError):
    """What our own reading found wrong with a file (a msgid and its values); a reader library's
    error is shown in its own words, after the sentence that says the file does not open."""

    def __init__(self, msgid, **params):
        super().__init__(msgid % params if params else msgid)
        self.msgid, self.params = msgid, params


def _short(exc):
    if isinstance(exc, Broken):
        return message(exc.msgid, **exc.params)
    text = str(exc) or exc.__class__.__name__
    return text[:120]


def _open_pdf(path, result):
    reader = PdfReader(path)
    if reader.is_encrypted:
        result.problems.append(("USE-ENCRYPTED", "fail", N_("PDF 已加密或设有密码，移交前须解密")))
        return
    result.pages = len(reader.pages)
    if result.pages == 0:
        raise Broken(N_("没有页面"))
    metadata = reader.xmp_metadata
    if metadata is not None and b"pdfaid" in metadata.stream.get_data():
        missing = pdfa_gaps(reader)
        if missing:
            # The XMP flag alone is a claim: ISO 19005-1 §6.2.2 asks for an OutputIntent and
            # §6.3.4 for every font embedded; without them the file is a plain PDF.
            result.problems.append(("USE-PDFA", "warning", message(N_("声明为 PDF/A，但%(gaps)s，实际不是 PDF/A"),
                                                                 gaps=missing)))
        else:
            result.kind = "pdfa"


def pdfa_gaps(reader):
    """What a PDF declaring PDF/A lacks of the two things checked here: an OutputIntent with its
    ICC profile (ISO 19005-1 §6.2.2) and embedded fonts (§6.3.4); each an i18n.message()."""
    missing = []
    intents = reader.trailer["/Root"].get("/OutputIntents") or []
    if not any(i.get_object().get("/S") in ("/GTS_PDFA1", "/GTS_PDFA") and "/DestOutputProfile" in i.get_object()
               for i in intents):
        missing.append(message(N_("缺少 OutputIntent（输出意图及 ICC 配置文件）")))
    loose = sorted(_unembedded_fonts(reader))
    if loose:
        missing.append(message(N_("字体未嵌入：%(fonts)s"), fonts=loose[:5]))
    return missing


def _unembedded_fonts(reader):
    names, seen = set(), set()

    def fonts_of(resources, depth=0):
        resources = resources.get_object() if resources is not None else {}
        for font in (resources.get("/Font") or {}).values():
            font = font.get_object()
            if id(font) in seen:
                continue
            seen.add(id(font))
            if font.get("/Subtype") == "/Type3":
                continue  # its glyphs are drawn by content streams inside the PDF
            described = font["/DescendantFonts"][0].get_object() if font.get("/Subtype") == "/Type0" else font
            descriptor = (described.get("/FontDescriptor") or {})
            descriptor = descriptor.get_object() if descriptor else {}
            if not any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")):
                names.add(str(font.get("/BaseFont", "?")).lstrip("/"))
        if depth < 3:
            for xobject in (resources.get("/XObject") or {}).values():
                xobject = xobject.get_object()
                if xobject.get("/Subtype") == "/Form" and "/Resources" in xobject:
                    fonts_of(xobject["/Resources"], depth + 1)

    for page in reader.pages:
        fonts_of(page.get("/Resources"))
    return names


def _open_image(path, result):
    with Image.open(path) as image:
        image.verify()
    if result.kind == "tiff":
        # verify() leaves the image unusable; a TIFF's frames are its pages (a multi-page scan).
        with Image.open(path) as image:
            result.pages = getattr(image, "n_frames", 1)


MOOV_LIMIT = 64 * 1024 * 1024  # a movie header is small; a larger one is read no further


def _open_mp4(path, result):
    boxes, moov = set(), b""
    with open(path, "rb") as f:
        while header := f.read(8):
            if len(header) < 8:
                break
            size, name = struct.unpack(">I4s", header)
            if size == 1:
                size = struct.unpack(">Q", f.read(8))[0] - 8
            elif size == 0:
                boxes.add(name)
                break
            if size < 8:
                raise Broken(N_("盒结构损坏"))
            boxes.add(name)
            if name == b"moov" and size - 8 <= MOOV_LIMIT:
                moov = f.read(size - 8)
            else:
                f.seek(size - 8, 1)
    if b"ftyp" not in boxes or b"moov" not in boxes:
        raise Broken(N_("缺少 ftyp 或 moov 盒"))
    if not playable_tracks(moov):
        # ISO/IEC 14496-12 §8.3: the media lives in tracks (trak); a movie without one that has
        # samples of sound or pictures opens but plays nothing.
        result.problems.append(("USE-TRACK", "fail", N_("没有含样本的音频或视频轨道（trak），无法播放")))


def _children(data):
    """(type, payload) of the boxes laid one after another in `data`."""
    at = 0
    while at + 8 <= len(data):
        size, name = struct.unpack(">I4s", data[at:at + 8])
        start = at + 8
        if size == 1:
            size, start = struct.unpack(">Q", data[at + 8:at + 16])[0], at + 16
        elif size == 0:
            size = len(data) - at
        if size < 8:
            return
        yield name, data[start:at + size]
        at += size


def playable_tracks(moov):
    """How many tracks of a movie header are sound or video with at least one sample."""
    count = 0
    for name, trak in _children(moov):
        if name != b"trak":
            continue
        mdia = dict(_children(trak)).get(b"mdia", b"")
        parts = dict(_children(mdia))
        handler = parts.get(b"hdlr", b"")[8:12]
        stbl = dict(_children(dict(_children(parts.get(b"minf", b""))).get(b"stbl", b"")))
        stsz = stbl.get(b"stsz", b"")
        samples = struct.unpack(">I", stsz[8:12])[0] if len(stsz) >= 12 else 0
        if handler in (b"vide", b"soun") and samples > 0:
            count += 1
    return count


def _open_zip(path, result):
    with zipfile.ZipFile(path) as archive:
        infos = archive.infolist()
        if any(info.flag_bits & 0x1 for info in infos):
            result.problems.append(("USE-ENCRYPTED", "fail", N_("压缩包内容已加密，移交前须解密")))
            return
        names = {info.filename for info in infos}
        if "OFD.xml" in names:
            result.kind = "ofd"
            result.pages = ofd_pages(archive)
        elif "[Content_Types].xml" in names:
            result.kind = "ooxml"
        else:
            result.problems.append(("USE-COMPRESSED", "warning", N_("是压缩包；移交的电子档案应解压后逐件登记")))
        broken = archive.testzip()
        if broken:
            raise Broken(N_("压缩包中的 %(name)s 已损坏"), name=broken)


# Parse what a package says, never fetch or expand what it points to.
_SAFE_XML = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


def ofd_pages(archive):
    """The pages of an OFD's first document (GB/T 33190: OFD.xml's DocRoot names Document.xml,
    whose Pages list one Page each); None when the package does not say."""
    try:
        root = etree.fromstring(archive.read("OFD.xml"), _SAFE_XML)
        doc_root = (root.findtext(".//{*}DocBody/{*}DocRoot") or "").strip().lstrip("/")
        if not doc_root:
            return None
        document = etree.fromstring(archive.read(doc_root), _SAFE_XML)
    except (KeyError, etree.XMLSyntaxError, ValueError):
        return None
    return len(document.findall(".//{*}Pages/{*}Page"))


def _open_xml(path, result):
    for _, element in etree.iterparse(path, events=("end",), huge_tree=True):
        element.clear()  # keep memory flat on large data files


def _open_wav(path, result):
    with open(path, "rb") as f:
        if f.read(12)[8:12] != b"WAVE":
            raise Broken(N_("不是 WAVE 数据"))
        chunks = {}
        while header := f.read(8):
            if len(header) < 8:
                break
            name, size = struct.unpack("<4sI", header)
            chunks[name] = size
            f.seek(size + (size & 1), 1)
    if b"fmt " not in chunks or not chunks.get(b"data"):
        result.problems.append(("USE-TRACK", "fail", N_("没有音频数据（缺少 fmt 或 data 块），无法播放")))


OPENERS = {"pdf": _open_pdf, "jpeg": _open_image, "png": _open_image, "tiff": _open_image,
           "gif": _open_image, "mp4": _open_mp4, "zip": _open_zip, "xml": _open_xml,
           "wav": _open_wav}
