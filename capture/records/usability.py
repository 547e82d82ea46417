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

from capture.i18n import N_

# Long-term formats of STANDARDS.md; plain PDF only counts as PDF/A.
LONG_TERM_KINDS = {"ofd", "pdfa", "jpeg", "tiff", "wav", "mp3", "mp4", "xml"}
EXECUTABLE_KINDS = {"exe", "elf", "macho", "script"}
EXECUTABLE_SUFFIXES = {".exe", ".com", ".bat", ".cmd", ".scr", ".msi", ".dll", ".ps1", ".vbs",
                       ".js", ".jse", ".wsf", ".sh", ".jar", ".app", ".apk", ".lnk"}
KIND_NAMES = {"pdf": "PDF", "pdfa": "PDF/A", "jpeg": "JPEG", "png": "PNG", "tiff": "TIFF",
              "gif": "GIF", "mp4": "MP4", "ofd": "OFD", "ooxml": "Office Open XML",
              "zip": "ZIP 压缩包", "wav": "WAV", "mp3": "MP3", "xml": "XML", "ole": "旧版 Office",
              "exe": "Windows 可执行程序", "elf": "Linux 可执行程序", "macho": "macOS 可执行程序",
              "script": "脚本", "unknown": "无法识别的格式"}
_MACHO = {b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf", b"\xce\xfa\xed\xfe", b"\xcf\xfa\xed\xfe"}

logging.getLogger("pypdf").setLevel(logging.ERROR)
# What an inspection's result depends on besides the bytes: the readers and these rules. A result
# recorded under other readers is not reused (see remembered()); bump "rules" when inspect() changes.
READERS = f"rules 1; pypdf {pypdf.__version__}; Pillow {PIL.__version__}; lxml {etree.__version__}"


@dataclass
class Inspection:
    """What a file turned out to be and what is wrong with it: [(code, severity, message)]."""
    kind: str
    problems: list = field(default_factory=list)

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
        result.problems.append(("SEC-EXECUTABLE", "fail", f"是可执行文件或脚本（{KIND_NAMES.get(kind, suffix)}）"))
        return result
    opener = OPENERS.get(kind)
    if opener:
        try:
            opener(path, result)
        except Exception as exc:  # any reader error means the file does not open
            result.problems.append(("USE-OPEN", "fail", f"无法作为 {KIND_NAMES[kind]} 打开：{_short(exc)}"))
    elif kind == "unknown":
        result.problems.append(("USE-FORMAT", "warning", N_("无法从内容识别文件格式")))
    return result


def remember(result):
    """An inspection as the text kept on the File row (File.inspection)."""
    return json.dumps({"readers": READERS, "kind": result.kind, "problems": result.problems},
                      ensure_ascii=False)


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
    return Inspection(kept["kind"], [tuple(problem) for problem in kept["problems"]])


def _short(exc):
    text = str(exc) or exc.__class__.__name__
    return text[:120]


def _open_pdf(path, result):
    reader = PdfReader(path)
    if reader.is_encrypted:
        result.problems.append(("USE-ENCRYPTED", "fail", N_("PDF 已加密或设有密码，移交前须解密")))
        return
    if len(reader.pages) == 0:
        raise ValueError("没有页面")
    metadata = reader.xmp_metadata
    if metadata is not None and b"pdfaid" in metadata.stream.get_data():
        result.kind = "pdfa"


def _open_image(path, result):
    with Image.open(path) as image:
        image.verify()


def _open_mp4(path, result):
    boxes = set()
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
                raise ValueError("盒结构损坏")
            boxes.add(name)
            f.seek(size - 8, 1)
    if b"ftyp" not in boxes or b"moov" not in boxes:
        raise ValueError("缺少 ftyp 或 moov 盒")


def _open_zip(path, result):
    with zipfile.ZipFile(path) as archive:
        infos = archive.infolist()
        if any(info.flag_bits & 0x1 for info in infos):
            result.problems.append(("USE-ENCRYPTED", "fail", N_("压缩包内容已加密，移交前须解密")))
            return
        names = {info.filename for info in infos}
        if "OFD.xml" in names:
            result.kind = "ofd"
        elif "[Content_Types].xml" in names:
            result.kind = "ooxml"
        else:
            result.problems.append(("USE-COMPRESSED", "warning", N_("是压缩包；移交的电子档案应解压后逐件登记")))
        broken = archive.testzip()
        if broken:
            raise ValueError(f"{broken} 已损坏")


def _open_xml(path, result):
    for _, element in etree.iterparse(path, events=("end",), huge_tree=True):
        element.clear()  # keep memory flat on large data files


def _open_wav(path, result):
    with open(path, "rb") as f:
        if f.read(12)[8:12] != b"WAVE":
            raise ValueError("不是 WAVE 数据")


OPENERS = {"pdf": _open_pdf, "jpeg": _open_image, "png": _open_image, "tiff": _open_image,
           "gif": _open_image, "mp4": _open_mp4, "zip": _open_zip, "xml": _open_xml,
           "wav": _open_wav}
