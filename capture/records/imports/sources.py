"""What bulk import reads: the spreadsheet (CSV in UTF-8 or GBK, or XLSX) and the files it names
(a folder or a zip, read safely: no path escapes, no zip bombs)."""
import csv
import datetime as dt
import io
import os
import re
import shutil
import tempfile
import unicodedata
import zipfile
from pathlib import Path, PurePosixPath

from flask_babel import gettext as _

MAX_ROWS = 10000
MAX_MEMBERS = 20000
# A member that expands more than this many times over is refused: real documents (PDF, JPEG,
# MP4, even DOCX) compress far less; a zip bomb compresses thousands of times over.
MAX_RATIO = 200
CHUNK = 1024 * 1024


class SourceError(Exception):
    """The spreadsheet or the files cannot be read; str() says why and what to do."""


def decode(data):
    """CSV bytes as text: UTF-8 (with or without BOM), else GBK/GB18030 as Chinese Excel saves it."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise SourceError(_("无法识别表格的文字编码。请在 Excel 中“另存为”“CSV UTF-8（逗号分隔）”后重试。"))


def _cell(value, number_format=""):
    """An XLSX cell as text, as it reads on screen: 0007 stays 0007, dates become YYYY-MM-DD."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat(" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and re.fullmatch(r"0+", number_format or ""):
        return str(value).zfill(len(number_format))  # a number shown as 0007 by its format
    return str(value)


def read_table(data, filename):
    """(header, rows) of a CSV or XLSX file given as bytes; every value is text."""
    if filename.lower().endswith((".xlsx", ".xlsm")) or data[:4] == b"PK\x03\x04":
        rows = _read_xlsx(data)
    else:
        text = decode(data)
        try:
            dialect = csv.Sniffer().sniff(text[:4096], delimiters=",\t;")
        except csv.Error:
            dialect = csv.excel
        rows = [row for row in csv.reader(io.StringIO(text, newline=""), dialect)]
    rows = [[unicodedata.normalize("NFC", c).strip() for c in row] for row in rows]
    while rows and not any(rows[-1]):
        rows.pop()
    if not rows:
        raise SourceError(_("表格是空的：第一行应为列名（如 题名、责任者、日期），其下每行一件文件。"))
    if len(rows) - 1 > MAX_ROWS:
        raise SourceError(_("一次最多导入 %(n)s 行，请把表格分成几份。", n=MAX_ROWS))
    return rows[0], rows[1:]


def _read_xlsx(data):
    from openpyxl import load_workbook
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise SourceError(_("无法打开该 Excel 文件（%(reason)s）。请确认是 .xlsx 格式，或另存为 CSV。",
                            reason=exc.__class__.__name__)) from None
    sheet = book.worksheets[0]
    rows = []
    for row in sheet.iter_rows():
        rows.append([_cell(c.value, getattr(c, "number_format", "")) for c in row])
        if len(rows) > MAX_ROWS + 1:
            break
    book.close()
    # openpyxl reads neither what a merge shows in the cells it covers nor whether an empty
    # value is a formula nobody calculated; the sheet's own XML says both.
    xml = zipfile.ZipFile(io.BytesIO(data)).read(sheet._worksheet_path)
    _refuse_uncalculated(xml)
    width = max((len(r) for r in rows), default=0)
    rows = [r + [""] * (width - len(r)) for r in rows]
    _spread_merges(xml, rows)
    return rows


FORMULA = re.compile(rb"<(\w+:)?f[\s>/]")
MERGE = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*\bref="([A-Z]+[0-9]+:[A-Z]+[0-9]+)"')


def _refuse_uncalculated(xml):
    """A formula saved without its result (as openpyxl, pandas and report generators write them)
    reads as empty: refuse the file, naming the cells, rather than import blanks."""
    if not FORMULA.search(xml):
        return
    from xml.etree.ElementTree import iterparse
    empty = []
    for _event, element in iterparse(io.BytesIO(xml)):
        if element.tag.rsplit("}", 1)[-1] != "c":
            continue
        children = {child.tag.rsplit("}", 1)[-1]: child for child in element}
        value = children.get("v")
        if "f" in children and (value is None or not value.text):
            empty.append(element.get("r", "?"))
        element.clear()
    if empty:
        shown = _("、").join(empty[:10]) + (_("……") if len(empty) > 10 else "")
        raise SourceError(_("单元格 %(cells)s 是公式，但文件中没有保存公式的计算结果（程序生成的表格常见这种情况），"
                            "导入会读成空白。请用 Excel 或 WPS 打开该文件、保存后重新导入。", cells=shown))


def _spread_merges(xml, rows):
    """A merged cell shows its value in every row it covers: give it to each of them (in the
    merge's first column)."""
    from openpyxl.utils.cell import range_boundaries
    for ref in MERGE.findall(xml):
        first_col, first_row, last_col, last_row = range_boundaries(ref.decode())
        if first_row > len(rows) or first_col > len(rows[first_row - 1]):
            continue
        value = rows[first_row - 1][first_col - 1]
        # Down the rows only: a merge across columns shows one value, in its own column.
        for row in rows[first_row:last_row]:
            row[first_col - 1] = value


def clean_member_name(raw):
    """A relative path inside a folder or zip, NFC, with / separators; None if it escapes."""
    name = unicodedata.normalize("NFC", raw.replace("\\", "/"))
    path = PurePosixPath(name)
    if name.startswith("/") or re.match(r"^[A-Za-z]:", name) or ".." in path.parts:
        return None
    return "/".join(p for p in path.parts if p not in ("", "."))


class FileSource:
    """Files named by the spreadsheet, by relative path or, when unique, by file name alone."""

    def __init__(self, names):
        self.by_path = {n: n for n in names}
        self.by_name = {}
        for name in names:
            self.by_name.setdefault(name.rsplit("/", 1)[-1], []).append(name)

    def find(self, wanted):
        """(the path found, None) or (None, the reason it was not)."""
        wanted = clean_member_name(wanted) or ""
        if wanted in self.by_path:
            return wanted, None
        candidates = self.by_name.get(wanted.rsplit("/", 1)[-1], [])
        if len(candidates) == 1:
            return candidates[0], None
        if candidates:
            return None, _("有 %(n)s 个同名文件：%(names)s，请在表中写出所在文件夹。",
                           n=len(candidates), names=_("、").join(candidates[:5]))
        return None, _("在所附文件中找不到该文件，请核对文件名（含扩展名）。")


class FolderSource(FileSource):
    """Files in a folder on the server (the CLI's --files DIR); links leading outside are ignored."""

    def __init__(self, root):
        self.root = Path(root).resolve()
        names = []
        for path in self.root.rglob("*"):
            if path.is_file() and path.resolve().is_relative_to(self.root):
                names.append(unicodedata.normalize("NFC", path.relative_to(self.root).as_posix()))
        super().__init__(names)

    def open(self, name):
        """A binary stream of the file."""
        return open(self.root / name, "rb")

    def close(self):
        """Nothing to release."""


class ZipSource(FileSource):
    """Files in a zip, checked before anything is read: no absolute or ../ paths, no links, a
    total size within the limit, and no member that expands suspiciously (a zip bomb)."""

    def __init__(self, path, max_bytes):
        try:
            self.zip = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError):
            raise SourceError(_("所附文件不是有效的 zip 压缩包。")) from None
        self.members, total = {}, 0
        infos = [i for i in self.zip.infolist() if not i.is_dir()]
        if len(infos) > MAX_MEMBERS:
            self._refuse(_("压缩包中的文件超过 %(n)s 个，请分批导入。", n=MAX_MEMBERS))
        for info in infos:
            name = clean_member_name(_member_name(info))
            if name is None:
                self._refuse(_("压缩包中的“%(name)s”指向压缩包以外的位置，出于安全已拒绝整个压缩包。",
                               name=_member_name(info)))
            if (info.external_attr >> 16) & 0o170000 == 0o120000:
                self._refuse(_("压缩包中的“%(name)s”是符号链接，出于安全已拒绝整个压缩包。", name=name))
            if info.file_size > MAX_RATIO * max(info.compress_size, 1) and info.file_size > CHUNK:
                self._refuse(_("压缩包中的“%(name)s”解压后异常膨胀（%(ratio)s 倍），疑似“压缩炸弹”，已拒绝。",
                               name=name, ratio=info.file_size // max(info.compress_size, 1)))
            total += info.file_size
            if total > max_bytes:
                self._refuse(_("压缩包解压后超过 %(mb)s MB 的上限，请分批导入。", mb=max_bytes // CHUNK))
            self.members[name] = info
        super().__init__(list(self.members))

    def _refuse(self, message):
        self.zip.close()
        raise SourceError(message)

    def open(self, name):
        """A seekable copy of the member (spilled to disk when large), never larger than declared."""
        info = self.members[name]
        copy = tempfile.SpooledTemporaryFile(max_size=8 * CHUNK)
        with self.zip.open(info) as member:
            written = 0
            while chunk := member.read(CHUNK):
                written += len(chunk)
                if written > info.file_size:  # the header lied about the size
                    copy.close()
                    raise SourceError(_("压缩包中的“%(name)s”实际大小与记录不符，已拒绝。", name=name))
                copy.write(chunk)
        copy.seek(0)
        return copy

    def close(self):
        """Close the zip."""
        self.zip.close()


def _member_name(info):
    """The member's name; zips made on Chinese Windows store GBK names without saying so."""
    if info.flag_bits & 0x800:
        return info.filename
    raw = info.filename.encode("cp437", errors="replace")
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return info.filename


def open_files(path, max_bytes):
    """A FileSource for a folder or a zip file at `path`."""
    path = Path(path)
    if path.is_dir():
        return FolderSource(path)
    if path.is_file():
        return ZipSource(path, max_bytes)
    raise SourceError(_("找不到所附文件：%(path)s", path=os.fspath(path)))


def copy_stream(stream, target):
    """Copy a binary stream into a new file at `target`."""
    with open(target, "wb") as out:
        shutil.copyfileobj(stream, out, CHUNK)
