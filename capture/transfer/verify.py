"""Verify a received package (folder or zip) as the receiving archive would; no Flask, no database."""
import codecs
import datetime as dt
import hashlib
import json
import re
import shutil
import stat
import tempfile
import unicodedata
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from types import SimpleNamespace

import bagit

CHUNK = 1024 * 1024
JUNK_NAMES = {"thumbs.db", "ehthumbs.db", "desktop.ini", ".ds_store", ".spotlight-v100", ".trashes",
              ".fseventsd", "icon\r"}
JUNK_DIRS = {"__macosx"}
SUPPORTED_VERSIONS = re.compile(r"^(0\.9[6-7]|1\.\d+)$")


def N_(message):
    """Mark a message for translation (the page translates it; this module stays free of Flask)."""
    return message


@dataclass
class Verification:
    """The verdict on one package and every problem found, each naming its file."""
    path: str
    digest: str = ""
    digest_of: str = ""
    problems: list = field(default_factory=list)  # (severity, message): fail | warning | info

    @property
    def valid(self):
        return not any(severity == "fail" for severity, _ in self.problems)

    # Each problem's message before its values went in, and the values: (msgid, params), so
    # that a page can say it in the reader's language (capture.i18n.fill); lists join with 、.
    texts: list = field(default_factory=list)

    def _add(self, severity, message, params):
        chinese = {k: "、".join(v) if isinstance(v, list) else v for k, v in params.items()}
        self.problems.append((severity, message % chinese if params else message))
        self.texts.append((message, params))

    def fail(self, message, **params):
        self._add("fail", message, params)

    def warn(self, message, **params):
        self._add("warning", message, params)

    def note(self, message, **params):
        self._add("info", message, params)


class Refused(Exception):
    """The package tries to write or read outside itself."""


def is_junk(path):
    """True for files an operating system leaves behind (Thumbs.db, .DS_Store, AppleDouble …)."""
    parts = PurePosixPath(path).parts
    name = parts[-1].lower() if parts else ""
    return name in JUNK_NAMES or name.startswith("._") or any(p.lower() in JUNK_DIRS for p in parts)


def unsafe(path):
    """Why a path from a package would escape it, or "" when it stays inside."""
    if path.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", path):
        return "是绝对路径"
    if path.startswith("~"):
        return "以 ~ 开头（指向用户目录）"
    if ".." in re.split(r"[/\\]", path):
        return "含有 ../（指向包外）"
    return ""


def sha256_file(path):
    """SHA-256 of a file, streamed."""
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def verify(path, digest=None, digest_source=N_("命令行给出的摘要")):
    """Validate the package at `path`; compare its digest with `digest` (named by where it came
    from: the command line, or the web form) and any register beside it."""
    path = Path(path)
    result = Verification(str(path))
    if not path.exists():
        result.fail(N_("找不到 %(path)s"), path=str(path))
        return result
    register = _register_beside(path)
    if path.is_file():
        result.digest, result.digest_of = sha256_file(path), path.name
        with tempfile.TemporaryDirectory(prefix="verify-") as tmp:
            try:
                root = _extract(path, Path(tmp), result)
            except Refused as exc:
                result.fail(N_("拒绝处理该压缩包：%(error)s"), error=str(exc))
                return result
            except zipfile.BadZipFile:  # its own message is English ("File is not a zip file")
                result.fail(N_("%(name)s 不是有效的 zip 压缩包，可能不完整或不是移交包"), name=path.name)
                return result
            if root is not None:
                _compare_digests(result, digest, register, digest_source)
                validate_bag(root, result)
    else:
        tagmanifest = path / "tagmanifest-sha256.txt"
        if tagmanifest.is_file():
            result.digest, result.digest_of = sha256_file(tagmanifest), "tagmanifest-sha256.txt"
        _compare_digests(result, digest, register, digest_source)
        validate_bag(path, result)
    return result


def _register_beside(path):
    candidate = path.with_name(f"{path.name.removesuffix('.zip')}-register.docx")
    return candidate if candidate.is_file() else None


def _compare_digests(result, digest, register, digest_source):
    expected = []
    if digest:
        expected.append((digest_source, digest.strip().lower()))
    if register is not None:
        from exporters.forms import read_register_digest
        expected.append((f"登记表 {register.name} 中的摘要", read_register_digest(register)))
    if not expected:
        result.note(N_("未提供登记表摘要；本包的 SHA-256（%(digest_of)s）为 %(digest)s"),
            digest_of=result.digest_of, digest=result.digest)
    for source, value in expected:
        if not value:
            result.fail(N_("%(source)s为空"), source=source)
        elif value != result.digest:
            result.fail(N_("%(source)s %(value)s 与实际摘要 %(digest)s（%(digest_of)s）不一致"),
                source=source, value=value, digest=result.digest, digest_of=result.digest_of)
        else:
            result.note(N_("%(source)s与实际摘要一致：%(digest)s"), source=source, digest=result.digest)


def _extract(archive_path, dest, result):
    """Extract a zip member by member, refusing escapes and links; skip OS junk with a warning."""
    with zipfile.ZipFile(archive_path) as archive:
        infos = archive.infolist()
        for info in infos:
            reason = unsafe(info.filename)
            if reason:
                raise Refused(f"条目 {info.filename} {reason}")
            if stat.S_ISLNK(info.external_attr >> 16):
                raise Refused(f"条目 {info.filename} 是符号链接")
        junk = []
        for info in infos:
            if is_junk(info.filename):
                junk.append(info.filename)
                continue
            target = dest / info.filename
            if info.is_dir():
                target.mkdir(parents=True, exist_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                with archive.open(info) as src, open(target, "wb") as out:
                    shutil.copyfileobj(src, out, CHUNK)
            except zipfile.BadZipFile:
                target.unlink(missing_ok=True)
                result.fail(N_("文件已损坏：%(name)s（压缩包内的 CRC 校验失败）"), name=info.filename)
    if junk:
        result.warn(N_("压缩包含有系统垃圾文件，已忽略：%(junk)s"), junk=junk)
    if (dest / "bagit.txt").is_file():
        return dest
    tops = [p for p in dest.iterdir() if p.is_dir()]
    if len(tops) == 1 and (tops[0] / "bagit.txt").is_file():
        return tops[0]
    result.fail(N_("压缩包中找不到 bagit.txt（应在根目录或唯一的顶层文件夹中）"))
    return None


def _read_tags(path, encoding):
    tags = {}
    with open(path, encoding=encoding) as src:
        text = src.read().lstrip("\ufeff")
    last = None
    for line in text.splitlines():
        if line[:1] in (" ", "\t") and last:
            tags[last] += " " + line.strip()
        elif ":" in line:
            last, value = (s.strip() for s in line.split(":", 1))
            tags[last] = value
    return tags


def _decode(name, version):
    if version >= (1, 0):
        return re.sub(r"%(0[dDaA]|25)", lambda m: {"0d": "\r", "0a": "\n", "25": "%"}[m.group(1).lower()], name)
    return name.replace("%0D", "\r").replace("%0A", "\n")


def _read_manifest(path, encoding, version, result):
    """{path: digest} of one manifest; raises Refused on a path that escapes the bag."""
    entries = {}
    with open(path, encoding=encoding) as src:
        for number, line in enumerate(src.read().lstrip("\ufeff").splitlines(), 1):
            if not line.strip() or line.startswith("#"):
                continue
            parts = line.strip().split(None, 1)
            if len(parts) != 2:
                result.fail(N_("%(name)s 第 %(number)s 行格式错误"), name=path.name, number=number)
                continue
            name = _decode(parts[1].lstrip("*"), version)
            reason = unsafe(name)
            if reason:
                raise Refused(f"{path.name} 中的路径 {name} {reason}")
            name = unicodedata.normalize("NFC", name)
            if name in entries:
                result.fail(N_("%(name)s 重复列出 %(name2)s"), name=path.name, name2=name)
            entries[name] = parts[0].lower()
    return entries


def validate_bag(root, result):
    """Check a bag folder: structure, every manifest and digest, Payload-Oxum, then our own rules."""
    root = Path(root)
    bagit_txt = root / "bagit.txt"
    if not bagit_txt.is_file():
        result.fail(N_("缺少 bagit.txt"))
        return
    if bagit_txt.read_bytes().startswith(codecs.BOM_UTF8):
        result.fail(N_("bagit.txt 不得含有字节顺序标记（BOM）"))
    declared = _read_tags(bagit_txt, "utf-8")
    version_text = declared.get("BagIt-Version", "")
    encoding = declared.get("Tag-File-Character-Encoding", "")
    if not SUPPORTED_VERSIONS.match(version_text):
        result.fail(N_("不支持的 BagIt 版本：%(version)s"), version=version_text or N_("未声明"))
        return
    try:
        codecs.lookup(encoding)
    except LookupError:
        result.fail(N_("bagit.txt 声明的字符编码无法识别：%(encoding)s"), encoding=encoding or N_("未声明"))
        return
    version = tuple(int(x) for x in version_text.split("."))
    if not (root / "data").is_dir():
        result.fail(N_("缺少 data/ 目录"))
        return
    try:
        expected, algorithms = _manifests(root, encoding, version, result)
    except Refused as exc:
        result.fail(N_("拒绝处理：%(error)s"), error=str(exc))
        return
    if not any(name.startswith("manifest-") for name in algorithms):
        result.fail(N_("没有任何 manifest-<算法>.txt 文件"))
        return
    on_disk = {unicodedata.normalize("NFC", p.relative_to(root).as_posix()): p
               for p in (root / "data").rglob("*") if p.is_file()}
    junk = sorted(name for name in on_disk if is_junk(name) and name not in expected)
    if junk:
        result.warn(N_("data/ 中有未列入清单的系统垃圾文件（已忽略）：%(junk)s"), junk=junk)
    _warn_lookalikes(result, list(on_disk) + [n for n in expected if not n.startswith("data/")])
    _check_files(root, result, expected, on_disk, set(junk))
    _check_oxum(root, encoding, result, on_disk, set(junk))
    plain_names = not junk and not any("%" in name for name in expected)
    if result.valid and plain_names:
        try:
            bagit.Bag(str(root)).validate(processes=1)
        except bagit.BagError as exc:
            result.fail(N_("Library of Congress bagit 校验未通过：%(error)s"), error=str(exc))
        else:
            result.note(N_("Library of Congress bagit %(bagit_version)s 完整校验通过（BagIt %(version_text)s）"),
                bagit_version=bagit.VERSION, version_text=version_text)
    if (root / "data/metadata/items.csv").is_file():
        check_our_package(root, result, on_disk)


def _manifests(root, encoding, version, result):
    """Every entry of every manifest: {path: {algorithm: digest}}, and the manifests read."""
    expected = defaultdict(dict)
    algorithms = []
    for manifest in sorted(root.glob("manifest-*.txt")) + sorted(root.glob("tagmanifest-*.txt")):
        algorithm = manifest.stem.split("-", 1)[1]
        if algorithm not in hashlib.algorithms_available:
            result.fail(N_("%(manifest_name)s 使用了无法计算的算法 %(algorithm)s"),
                manifest_name=manifest.name, algorithm=algorithm)
            continue
        algorithms.append(manifest.stem)
        for name, value in _read_manifest(manifest, encoding, version, result).items():
            if manifest.name.startswith("manifest-") and not name.startswith("data/"):
                result.fail(N_("%(manifest_name)s 列出了 data/ 以外的文件 %(name)s"),
                    manifest_name=manifest.name, name=name)
            expected[name][algorithm] = value
    return expected, algorithms


def _warn_lookalikes(result, names):
    groups = defaultdict(list)
    for name in names:
        groups[unicodedata.normalize("NFC", name).casefold()].append(name)
    for group in groups.values():
        if len(group) > 1:
            result.warn(N_("这些文件名仅大小写或 Unicode 规范化不同，在某些系统上会冲突：%(names)s"),
                        names=sorted(group))


def _check_files(root, result, expected, on_disk, junk):
    for name in sorted(expected):
        path = on_disk.get(name) if name.startswith("data/") else root / name
        if path is None or not path.is_file():
            result.fail(N_("缺少文件：%(name)s（清单中有，包中没有）"), name=name)
            continue
        hashers = {alg: hashlib.new(alg) for alg in expected[name]}
        with open(path, "rb") as src:
            while chunk := src.read(CHUNK):
                for hasher in hashers.values():
                    hasher.update(chunk)
        for alg, hasher in hashers.items():
            if hasher.hexdigest() != expected[name][alg]:
                result.fail(N_("文件已改变：%(name)s（%(alg)s 摘要与清单不符）"), name=name, alg=alg)
    for name in sorted(set(on_disk) - set(expected) - junk):
        result.fail(N_("多出文件：%(name)s（包中有，清单中没有）"), name=name)


def _check_oxum(root, encoding, result, on_disk, junk):
    info_path = root / "bag-info.txt"
    if not info_path.is_file():
        return
    oxum = _read_tags(info_path, encoding).get("Payload-Oxum")
    if not oxum:
        return
    files = [p for n, p in on_disk.items() if n not in junk]
    actual = f"{sum(p.stat().st_size for p in files)}.{len(files)}"
    if oxum != actual:
        result.fail(N_("Payload-Oxum 为 %(oxum)s，实际为 %(actual)s（字节数.文件数）"), oxum=oxum, actual=actual)


def check_our_package(root, result, on_disk):
    """Our own rules: catalogue rows = items.csv rows = Item-Count; every payload file listed."""
    from exporters.metadata import read_csv_paths
    listed, rows = read_csv_paths(root / "data/metadata/items.csv")
    payload = {n for n in on_disk if n.startswith("data/files/")}
    for name in sorted(payload - set(listed)):
        result.fail(N_("未列入 items.csv 的文件：%(name)s"), name=name)
    for name in sorted(set(listed) - payload):
        result.fail(N_("items.csv 列出但包中没有的文件：%(name)s"), name=name)
    catalogue_xml = root / "data/catalogue/catalogue.xml"
    if catalogue_xml.is_file():
        from lxml import etree
        count = sum(1 for _ in etree.iterparse(str(catalogue_xml), tag="文件"))
        if count != rows:
            result.fail(N_("文件目录（catalogue.xml）有 %(count)s 条，items.csv 有 %(rows)s 条"), count=count, rows=rows)
    info = _read_tags(root / "bag-info.txt", "utf-8") if (root / "bag-info.txt").is_file() else {}
    if info.get("Item-Count") and info["Item-Count"] != str(rows):
        result.fail(N_("bag-info.txt 的 Item-Count 为 %(item_count)s，items.csv 有 %(rows)s 条"),
            item_count=info['Item-Count'], rows=rows)
    audit_file = root / "data/audit/audit.jsonl"
    if audit_file.is_file():
        broken = verify_audit(audit_file)
        if broken:
            result.fail(N_("审计记录（audit.jsonl）哈希链在第 %(broken)s 行断开"), broken=broken)
    if result.valid:
        result.note(N_("目录、items.csv 与载荷一致：%(rows)s 件，%(files)s 个文件"), rows=rows, files=len(payload))


def verify_audit(path):
    """Re-check the exported events' hashes and their per-body chain; the first broken line or 0."""
    from capture import audit
    previous = None
    with open(path, encoding="utf-8") as src:
        for number, line in enumerate(src, 1):
            data = json.loads(line)
            event = SimpleNamespace(**dict(data, at=dt.datetime.fromisoformat(data["at"])))
            if audit.compute_hash(event) != data["hash"]:
                return number
            if previous is not None and data["body_prev_hash"] != previous:
                return number
            previous = data["hash"]
    return 0

