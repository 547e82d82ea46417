"""Verify a received package (folder or zip) as the receiving archive would; no Flask, no database.

The rules are RFC 8493 (BagIt 1.0), and BagIt 0.97 for older bags; each names its clause.
A MUST broken makes the bag invalid; a SHOULD or RECOMMENDED not followed is a warning.
"""
import codecs
import hashlib
import posixpath
import re
import unicodedata
import zipfile
import zlib
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from capture.i18n import fill, message
from .bagsource import N_, FolderSource, Unreadable, is_junk, open_source, unsafe
from .package_rules import check_our_package, verify_audit  # noqa: F401  (verify_audit: the tests' name)

CHUNK = 1024 * 1024
# Two cores here; more threads would only queue for them.
HASH_THREADS = 2
VERSIONS = {(0, 96), (0, 97), (1, 0)}
MANIFEST = re.compile(r"^(tag)?manifest-([a-z0-9]+)\.txt$")
# Characters that would change how a message reads: controls break lines, bidi marks reorder them.
_INVISIBLE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029\ufeff]")
_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def shown(text):
    """`text` safe to print: newlines, other controls and bidi marks shown as escapes, not obeyed."""
    return _INVISIBLE.sub(lambda m: _ESCAPES.get(m.group(), f"\\u{ord(m.group()):04x}"), str(text))


@dataclass
class Verification:
    """The verdict on one package and every problem found, each naming its file."""
    path: str
    digest: str = ""
    digest_of: str = ""
    digest_sm3: str = ""
    findings: list = field(default_factory=list)  # (severity, msgid, params): fail | warning | info

    @property
    def valid(self):
        return not any(severity == "fail" for severity, _, _ in self.findings)

    def _add(self, severity, msgid, params):
        self.findings.append((severity, msgid, _shown_values(params)))

    def fail(self, msgid, **params):
        self._add("fail", msgid, params)

    def warn(self, msgid, **params):
        self._add("warning", msgid, params)

    def note(self, msgid, **params):
        self._add("info", msgid, params)

    def messages(self, translate=str):
        """(severity, message) in the language of `translate` (a gettext), names escaped; lists of
        names are joined the language's way (see i18n.fill)."""
        return [(severity, fill(msgid, params, translate)) for severity, msgid, params in self.findings]

    @property
    def problems(self):
        """(severity, message) in Chinese, the package's own language."""
        return self.messages()


def _shown_values(params):
    """A message's values with every name in them made safe to show (see shown())."""
    def safe(value):
        if isinstance(value, str):
            return shown(value)
        if isinstance(value, list):
            return [safe(item) for item in value]
        if isinstance(value, dict):
            return dict(value, params=_shown_values(value.get("params") or {}))
        return value
    return {name: safe(value) for name, value in params.items()}


def sha256_file(path):
    """SHA-256 of a file, streamed."""
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def digests_file(path, sm3=True):
    """{"sha256": …, "sm3": …} of a file, read once (SM3, eight times slower here, only if asked)."""
    hashers = {"sha256": hashlib.sha256(), **({"sm3": hashlib.new("sm3")} if sm3 else {})}
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            for hasher in hashers.values():
                hasher.update(chunk)
    return {name: hasher.hexdigest() for name, hasher in hashers.items()}


def verify(path, digest=None, limits=None, digest_source="cli"):
    """Validate the package at `path`; compare its digest with `digest` (typed on the command line,
    "cli", or into the web form, "form") and with any register beside it."""
    path = Path(path)
    result = Verification(str(path))
    if not path.exists():
        result.fail(N_("找不到 %(name)s"), name=str(path))
        return result
    register = _register_beside(path)
    try:
        source = open_source(path, limits)
    except Unreadable as exc:
        result.fail(exc.msgid, **exc.params)
        return result
    # A zip's own digest is one long read: it runs beside the members' hashing, not before it.
    with ThreadPoolExecutor(1) as background:
        package_digest = background.submit(_package_digest, path, register is not None)
        try:
            validate_bag(source, result)
        finally:
            source.close()
        result.digest, result.digest_sm3, result.digest_of = package_digest.result()
    _compare_digests(result, digest, register, digest_source)
    return result


def _package_digest(path, sm3):
    """(sha256, sm3, of what) that pins the package: the zip itself, or a folder's
    tagmanifest-sha256.txt (and tagmanifest-sm3.txt); empty where the folder has none."""
    if path.is_file():
        found = digests_file(path, sm3=sm3)  # only a register gives an SM3 to compare
        return found["sha256"], found.get("sm3", ""), path.name
    found = {}
    for name, key in (("tagmanifest-sha256.txt", "sha256"), ("tagmanifest-sm3.txt", "sm3")):
        if path.joinpath(name).is_file() and not path.joinpath(name).is_symlink():
            found[key] = digests_file(path / name)[key]
    return found.get("sha256", ""), found.get("sm3", ""), "tagmanifest-sha256.txt" if "sha256" in found else ""


def _register_beside(path):
    candidate = path.with_name(f"{path.name.removesuffix('.zip')}-register.docx")
    return candidate if candidate.is_file() else None


def _compare_digests(result, digest, register, digest_source="cli"):
    expected = []
    if digest:
        expected.append((digest_source, "", digest.strip().lower()))
    if register is not None:
        from exporters.forms import read_register_digests
        given = read_register_digests(register)
        expected.append(("register", register.name, given.get("sha256", "")))
        if given.get("sm3"):
            actual = result.digest_sm3
            if given["sm3"] != actual:
                result.fail(N_("登记表 %(register)s 中的 SM3 摘要 %(expected)s 与实际 SM3 摘要 %(digest)s 不一致"),
                            register=register.name, expected=given["sm3"], digest=actual)
            else:
                result.note(N_("登记表 %(register)s 中的 SM3 摘要与实际一致：%(digest)s"),
                            register=register.name, digest=actual)
    if not result.digest:
        # A folder pins its whole content through tagmanifest-sha256.txt; without one there is no
        # single digest to give or to compare, and saying "()" would be false.
        result.note(N_("本文件夹包没有 tagmanifest-sha256.txt，因此没有代表整个包的 SHA-256 摘要；"
                       "各文件仍按清单逐一校验"))
    elif not expected:
        result.note(N_("未提供登记表摘要；本包的 SHA-256（%(of)s）为 %(digest)s"),
                    of=result.digest_of, digest=result.digest)
    for source, register_name, value in expected:
        facts = {"register": register_name, "expected": value, "digest": result.digest, "of": result.digest_of}
        if value and not result.digest:
            result.fail(N_("有待比对的摘要 %(expected)s，但本文件夹包没有 tagmanifest-sha256.txt，无法比对"), **facts)
        elif not value:
            result.fail(EMPTY[source], **facts)
        elif value != result.digest:
            result.fail(DIFFERENT[source], **facts)
        else:
            result.note(SAME[source], **facts)


# Where an expected digest came from: the command line, the web form, or a register beside it.
EMPTY = {"cli": N_("命令行给出的摘要为空"), "form": N_("填写的摘要为空"),
         "register": N_("登记表 %(register)s 中的摘要为空")}
DIFFERENT = {"cli": N_("命令行给出的摘要 %(expected)s 与实际摘要 %(digest)s（%(of)s）不一致"),
             "form": N_("填写的摘要 %(expected)s 与实际摘要 %(digest)s（%(of)s）不一致"),
             "register": N_("登记表 %(register)s 中的摘要 %(expected)s 与实际摘要 %(digest)s（%(of)s）不一致")}
SAME = {"cli": N_("命令行给出的摘要与实际摘要一致：%(digest)s"),
        "form": N_("填写的摘要与实际摘要一致：%(digest)s"),
        "register": N_("登记表 %(register)s 中的摘要与实际摘要一致：%(digest)s")}


def _text(source, name, encoding, result, bom_forbidden=True):
    """A tag file's text; a BOM where the encoding is UTF-8 fails (RFC 8493 §2.3)."""
    with source.open(name) as stream:
        data = stream.read()
    if data.startswith(codecs.BOM_UTF8) and encoding.replace("_", "-").lower() in ("utf-8", "utf8"):
        if bom_forbidden:
            result.fail(N_("%(name)s 以字节顺序标记（BOM）开头（RFC 8493 §2.3：UTF-8 标签文件不得含 BOM）"),
                        name=name)
        data = data[len(codecs.BOM_UTF8):]
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        result.fail(N_("%(name)s 不是声明的 %(encoding)s 编码（RFC 8493 §2.3）"), name=name, encoding=encoding)
        text = data.decode(encoding, errors="replace")
    if text and not text.endswith(("\n", "\r")):
        result.warn(N_("%(name)s 最后一行没有换行符（RFC 8493 §2.3 建议以换行结束）"), name=name)
    return text


def _declaration(source, result):
    """(version, encoding) from bagit.txt, or None when it is missing or malformed (§2.1.1)."""
    if "bagit.txt" not in source.files:
        result.fail(N_("缺少 bagit.txt（RFC 8493 §2.1.1 必需）"))
        return None
    with source.open("bagit.txt") as stream:
        data = stream.read()
    if data.startswith(codecs.BOM_UTF8):
        result.fail(N_("bagit.txt 不得含有字节顺序标记（BOM）（RFC 8493 §2.1.1）"))
        data = data[len(codecs.BOM_UTF8):]
    try:
        lines = data.decode("utf-8").splitlines()
    except UnicodeDecodeError:
        result.fail(N_("bagit.txt 必须是 UTF-8 编码（RFC 8493 §2.1.1）"))
        return None
    # Labels compared without case: the RFC's own example (§4.1) writes "BagIt-version".
    pattern = re.compile(r"^(BagIt-Version|Tag-File-Character-Encoding): (\S+)$", re.IGNORECASE)
    found = [pattern.match(line) for line in lines]
    if (len(lines) != 2 or not all(found)
            or [m.group(1).lower() for m in found] != ["bagit-version", "tag-file-character-encoding"]):
        result.fail(N_("bagit.txt 格式错误：必须恰好两行，依次为“BagIt-Version: M.N”和"
                       "“Tag-File-Character-Encoding: 编码”（RFC 8493 §2.1.1），实际为：%(text)s"),
                    text=" / ".join(lines) or message(N_("（空）")))
        return None
    if [m.group(1) for m in found] != ["BagIt-Version", "Tag-File-Character-Encoding"]:
        result.warn(N_("bagit.txt 的标签大小写与 RFC 8493 §2.1.1 不同（§4.1 的示例也这样写，故接受）；"
                       "Library of Congress bagit 会拒绝这个包"))
    version_text, encoding = found[0].group(2), found[1].group(2)
    version = tuple(int(x) for x in version_text.split(".")) if re.match(r"^\d+\.\d+$", version_text) else None
    if version not in VERSIONS:
        result.fail(N_("不支持的 BagIt 版本：%(version)s（可校验 1.0、0.97、0.96）"), version=version_text)
        return None
    try:
        codecs.lookup(encoding)
    except LookupError:
        result.fail(N_("bagit.txt 声明的字符编码无法识别：%(encoding)s"), encoding=encoding)
        return None
    if codecs.lookup(encoding).name != "utf-8":
        result.warn(N_("标签文件编码为 %(encoding)s（RFC 8493 §2.1.1 建议 UTF-8）"), encoding=encoding)
    return version, encoding


def _decode(name, version):
    """A manifest path with its percent-encoding undone (§2.1.3: only CR, LF and % are encoded)."""
    if version >= (1, 0):
        return re.sub(r"%(0[dDaA]|25)", lambda m: {"0d": "\r", "0a": "\n", "25": "%"}[m.group(1).lower()], name)
    return name.replace("%0D", "\r").replace("%0A", "\n")  # 0.97 encoded line breaks only


def _read_manifest(source, name, encoding, version, result):
    """{path: digest} of one manifest; bad lines, duplicates and escaping paths fail, named."""
    entries = {}
    for number, line in enumerate(_text(source, name, encoding, result).splitlines(), 1):
        if not line.strip():
            continue
        parts = re.match(r"^([0-9A-Fa-f]+)[ \t]+(.+)$", line)
        if not parts:
            result.fail(N_("%(manifest)s 第 %(line)s 行格式错误（RFC 8493 §2.1.3：应为“摘要 路径”）：%(text)s"),
                        manifest=name, line=number, text=line)
            continue
        path = _decode(parts.group(2).removeprefix("*") if version < (1, 0) else parts.group(2), version)
        why = _leaves_bag(path)
        if why:
            result.fail(N_("拒绝处理：%(manifest)s 中的路径 %(path)s %(why)s（RFC 8493 §5.1）"),
                        manifest=name, path=path, why=why)
            continue
        written, path = path, _normal(unicodedata.normalize("NFC", path))
        if path != unicodedata.normalize("NFC", written):
            result.warn(N_("%(manifest)s 第 %(line)s 行写作 %(written)s，按 %(path)s 校验（路径相对于包的根目录）"),
                        manifest=name, line=number, written=written, path=path)
        digest = parts.group(1).lower()
        if path in entries and entries[path] != digest:
            result.fail(N_("%(manifest)s 两次列出 %(path)s，摘要不同（一个文件只能有一个摘要）"),
                        manifest=name, path=path)
            continue
        if path in entries and version >= (1, 0):
            # RFC 8493 §2.1.3: "Every payload manifest MUST list every payload file name exactly
            # once" (a MUST new in 1.0: 0.97 said nothing, so there it is a warning).
            result.fail(N_("%(manifest)s 两次列出 %(path)s（摘要相同；RFC 8493 §2.1.3：每个文件须恰好列出一次，删去重复的一行即可）"),
                        manifest=name, path=path)
        elif path in entries:
            result.warn(N_("%(manifest)s 两次列出 %(path)s（摘要相同，按一次校验）"), manifest=name, path=path)
        entries[path] = digest
    return entries


def _normal(path):
    """A manifest path as the file it names: "." segments and doubled slashes dropped, ".." taken
    back (./data/x and data/sub/../x are data/x); one that climbs out starts with "../"."""
    return posixpath.normpath(path.replace("\\", "/")) if path else path


def _leaves_bag(path):
    """Why a manifest path would leave the bag (a msgid), or "": judged once normalised, so that
    data/sub/../x, which names data/x, stays inside and data/../../x does not (RFC 8493 §5)."""
    normal = _normal(path)
    if (normal + "/").startswith("../"):
        return N_("含有 ../（指向包外）")
    return unsafe(normal)


def _tags(source, name, encoding, version, result):
    """bag-info.txt as [(label, value)] in order; lines that are not elements fail (§2.2.2)."""
    elements = []
    separator = r":[ \t]" if version >= (1, 0) else r"[ \t]*:[ \t]*"  # §2.2.2: older bags may pad
    for line in _text(source, name, encoding, result).splitlines():
        if line[:1] in (" ", "\t") and elements:
            elements[-1][1] += " " + line.strip()
            continue
        match = re.match(rf"^([^:\s](?:[^:\r\n]*[^:\s])?){separator}(.*)$", line)
        if not match:
            result.fail(N_("%(name)s 中的一行不是“标签: 值”（RFC 8493 §2.2.2）：%(text)s"), name=name, text=line)
            continue
        if len(line) > 79:
            result.warn(N_("%(name)s 中的一行超过 79 个字符（RFC 8493 §2.2.2 建议不超过）：%(label)s"),
                        name=name, label=match.group(1))
        elements.append([match.group(1), match.group(2).strip()])
    return elements


def validate_bag(source, result):
    """Check a bag read through a bag source: structure, manifests, digests, then our own rules."""
    if isinstance(source, (str, Path)):
        source = FolderSource(source)
    for name, why in source.refused:
        result.fail(N_("拒绝处理：%(name)s %(why)s"), name=name, why=why)
    for name in source.outside:
        if is_junk(name):
            result.warn(N_("压缩包含有系统垃圾文件，已忽略：%(name)s"), name=name)
        else:
            result.warn(N_("压缩包中有包外的文件，未校验：%(name)s"), name=name)
    declared = _declaration(source, result)
    if declared is None:
        return
    version, encoding = declared
    if "data" not in source.dirs:
        result.fail(N_("缺少 data/ 目录（RFC 8493 §2.1.2 必需）"))
        return
    payload_manifests, tag_manifests = _manifests(source, encoding, version, result)
    if not payload_manifests:
        result.fail(N_("没有任何可校验的 manifest-<算法>.txt 文件（RFC 8493 §2.1.3 至少一个）"))
        return
    payload = {unicodedata.normalize("NFC", n): n for n in source.files if n.startswith("data/")}
    _check_payload_listing(result, payload, payload_manifests, version)
    _check_tag_manifests(source, result, payload_manifests, tag_manifests, version)
    _warn_lookalikes(result, list(source.files))
    info = _tags(source, "bag-info.txt", encoding, version, result) if "bag-info.txt" in source.files else []
    _check_info(result, info, payload, source)
    _check_fetch(source, result, encoding, payload_manifests, payload)
    _check_digests(source, result, payload, payload_manifests, tag_manifests)
    if result.valid:
        result.note(N_("BagIt %(version)s：结构、清单与摘要校验通过（%(algorithms)s）"),
                    version=".".join(map(str, version)),
                    algorithms=", ".join(sorted({a for a, _ in payload_manifests.values()})))
    if "data/metadata/items.csv" in source.files:
        check_our_package(source, result, payload, info)


def _manifests(source, encoding, version, result):
    """{file name: (algorithm, entries)} of payload and of tag manifests that can be computed."""
    payload, tags = {}, {}
    for name in sorted(n for n in source.files if "/" not in n):
        match = MANIFEST.match(name)
        if not match:
            continue
        algorithm = match.group(2)
        if algorithm not in hashlib.algorithms_available:
            # §2.4 names no rule for an unknown algorithm: it is skipped, and said so.
            result.warn(N_("%(manifest)s 使用了本机无法计算的算法 %(algorithm)s，已跳过"),
                        manifest=name, algorithm=algorithm)
            continue
        entries = _read_manifest(source, name, encoding, version, result)
        if match.group(1):
            for path in sorted(p for p in entries if p.startswith("data/")):
                result.fail(N_("%(manifest)s 列出了载荷文件 %(path)s（RFC 8493 §2.2.1：标签清单不得列出载荷文件）"),
                            manifest=name, path=path)
            for path in sorted(p for p in entries if MANIFEST.match(p) and p.startswith("tagmanifest-")):
                result.fail(N_("%(manifest)s 列出了标签清单 %(path)s（RFC 8493 §2.2.1 不允许）"),
                            manifest=name, path=path)
            tags[name] = (algorithm, entries)
        else:
            for path in sorted(p for p in entries if not p.startswith("data/")):
                result.fail(N_("%(manifest)s 列出了 data/ 以外的文件 %(path)s（RFC 8493 §2.1.3 不允许）"),
                            manifest=name, path=path)
            payload[name] = (algorithm, entries)
    return payload, tags


def _check_payload_listing(result, payload, manifests, version):
    """§3: every listed file present; in 1.0 every payload file in every payload manifest."""
    listed_anywhere = set()
    for name, (_algorithm, entries) in manifests.items():
        for path in sorted(p for p in entries if p.startswith("data/") and p not in payload):
            result.fail(N_("缺少文件：%(path)s（%(manifest)s 中有，包中没有）"), path=path, manifest=name)
        listed_anywhere.update(entries)
        if version >= (1, 0):
            for path in sorted(set(payload) - set(entries)):
                if any(path in other for _, other in manifests.values() if other is not entries):
                    result.fail(N_("%(path)s 没有列入 %(manifest)s（RFC 8493 §3：每个载荷文件须列入每个载荷清单）"),
                                path=path, manifest=name)
    for path in sorted(set(payload) - listed_anywhere):
        if is_junk(path):
            # RFC 8493 §2.1.2 calls every file under data/ a payload file, and §2.1.3 has every
            # payload manifest list each one: litter in data/ leaves the bag incomplete.
            result.fail(N_("多出文件：%(path)s（系统生成的垃圾文件，未列入清单；删除后再校验）"), path=path)
        else:
            result.fail(N_("多出文件：%(path)s（包中有，清单中没有）"), path=path)


def _check_tag_manifests(source, result, payload_manifests, tag_manifests, version):
    """§2.2.1: each tag manifest lists every payload manifest; SHOULD list the other tag files."""
    tag_files = {n for n in source.files if not n.startswith("data/") and not n.startswith("tagmanifest-")}
    sets = []
    for name, (algorithm, entries) in tag_manifests.items():
        for manifest in sorted(set(payload_manifests) - set(entries) if version >= (1, 0) else ()):
            result.fail(N_("%(manifest)s 没有列出载荷清单 %(path)s（RFC 8493 §2.2.1 必须列出）"),
                        manifest=name, path=manifest)
        for path in sorted(p for p in entries if p not in source.files):
            result.fail(N_("缺少文件：%(path)s（%(manifest)s 中有，包中没有）"), path=path, manifest=name)
        unlisted = sorted(tag_files - set(entries))
        if unlisted:
            result.warn(N_("%(manifest)s 没有列出标签文件 %(paths)s（RFC 8493 §2.2.1 建议列出）"),
                        manifest=name, paths=unlisted)
        sets.append(set(entries))
    if len(sets) > 1 and any(s != sets[0] for s in sets):
        result.warn(N_("各标签清单列出的文件不同（RFC 8493 §2.2.1 建议相同）"))
    payload_algorithms = {a for a, _ in payload_manifests.values()}
    for name, (algorithm, _entries) in tag_manifests.items():
        if algorithm not in payload_algorithms:
            result.warn(N_("%(manifest)s 的算法没有对应的载荷清单（RFC 8493 §2.2.1 建议使用相同算法）"), manifest=name)


def _check_info(result, info, payload, source):
    """§2.2.2: Payload-Oxum once, in form, matching; Bagging-Date and friends not repeated."""
    counts = defaultdict(list)
    for label, value in info:
        counts[label.lower()].append(value)
    oxum = counts.get("payload-oxum", [])
    if len(oxum) > 1:
        result.fail(N_("bag-info.txt 中 Payload-Oxum 出现了 %(count)s 次（RFC 8493 §2.2.2 不得重复）"), count=len(oxum))
    for label in ("bagging-date", "bag-size", "bag-group-identifier", "bag-count"):
        if len(counts.get(label, [])) > 1:
            result.warn(N_("bag-info.txt 中 %(label)s 重复出现（RFC 8493 §2.2.2 不应重复）"), label=label)
    for value in counts.get("bagging-date", []):
        if not re.match(r"^\d{4}-\d\d-\d\d$", value):
            result.warn(N_("Bagging-Date 应为 YYYY-MM-DD（RFC 8493 §2.2.2），实际为 %(value)s"), value=value)
    if oxum:
        if not re.match(r"^\d+\.\d+$", oxum[0]):
            result.fail(N_("Payload-Oxum 应为“字节数.文件数”（RFC 8493 §2.2.2），实际为 %(value)s"), value=oxum[0])
            return
        actual = f"{sum(source.files[n].size for n in payload.values())}.{len(payload)}"
        if oxum[0] != actual:
            result.fail(N_("Payload-Oxum 为 %(declared)s，实际为 %(actual)s（字节数.文件数）"),
                        declared=oxum[0], actual=actual)


def _check_fetch(source, result, encoding, manifests, payload):
    """§2.2.3: files to fetch are listed in every payload manifest; we fetch nothing, so one that
    is not here leaves the bag incomplete."""
    if "fetch.txt" not in source.files:
        return
    for line in _text(source, "fetch.txt", encoding, result).splitlines():
        parts = line.split(None, 2)
        if len(parts) != 3 or not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", parts[0]) or not (
                parts[1] == "-" or parts[1].isdigit()):
            result.fail(N_("fetch.txt 中的一行格式错误（RFC 8493 §2.2.3：应为“URL 长度 路径”）：%(text)s"), text=line)
            continue
        path = unicodedata.normalize("NFC", _decode(parts[2], (1, 0)))
        if not path.startswith("data/"):
            result.fail(N_("fetch.txt 列出了标签文件 %(path)s（RFC 8493 §2.2.3 不允许）"), path=path)
        elif any(path not in entries for _, entries in manifests.values()):
            result.fail(N_("fetch.txt 中的 %(path)s 没有列入每个载荷清单（RFC 8493 §2.2.3）"), path=path)
        elif path not in payload:
            result.fail(N_("%(path)s 需从 %(url)s 获取，包中没有：本校验不下载文件，包不完整"),
                        path=path, url=parts[0])


def _warn_lookalikes(result, names):
    groups = defaultdict(list)
    for name in names:
        groups[unicodedata.normalize("NFC", name).casefold()].append(name)
    for group in groups.values():
        if len(group) > 1:
            result.warn(N_("这些文件名仅大小写或 Unicode 规范化不同，在某些系统上会冲突：%(names)s"),
                        names=sorted(group))


def _check_digests(source, result, payload, payload_manifests, tag_manifests):
    """Hash every listed file once, every algorithm from the same read, on HASH_THREADS threads
    (hashlib lets go of the GIL while it hashes a chunk, SM3 included), largest files first."""
    wanted = defaultdict(dict)  # source name → {algorithm: (expected, manifest)}
    for manifests in (payload_manifests, tag_manifests):
        for manifest, (algorithm, entries) in manifests.items():
            for path, digest in entries.items():
                name = payload.get(path) if path.startswith("data/") else (path if path in source.files else None)
                if name is not None:
                    wanted[name][algorithm] = (digest, manifest)
    names = sorted(wanted, key=lambda n: -source.files[n].size)
    with ThreadPoolExecutor(HASH_THREADS) as pool:
        found = dict(zip(names, pool.map(lambda n: _hash_member(source, n, wanted[n]), names)))
    for name in sorted(found):
        if isinstance(found[name], Exception):
            result.fail(N_("文件已损坏，无法读完：%(path)s（%(why)s）"), path=name, why=_zip_error(found[name]))
            continue
        for algorithm, value in found[name].items():
            expected, manifest = wanted[name][algorithm]
            if value != expected:
                result.fail(N_("文件已改变：%(path)s（%(algorithm)s 摘要与 %(manifest)s 不符）"),
                            path=name, algorithm=algorithm, manifest=manifest)


def _hash_member(source, name, algorithms):
    """{algorithm: hex digest} of one file read once, or the exception that stopped the read.

    A zip member yields at most the size its directory declares (zipfile stops there and checks
    the CRC), a chunk at a time: memory stays at one chunk per thread, nothing goes to disk.
    """
    hashers = {algorithm: hashlib.new(algorithm) for algorithm in algorithms}
    try:
        with source.open(name) as stream:
            while chunk := stream.read(CHUNK):
                for hasher in hashers.values():
                    hasher.update(chunk)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
        return exc
    return {algorithm: hasher.hexdigest() for algorithm, hasher in hashers.items()}


def _zip_error(exc):
    text = str(exc)
    if "CRC" in text:
        return N_("CRC 校验失败")
    if isinstance(exc, EOFError) or "truncated" in text.lower() or isinstance(exc, zlib.error):
        return N_("压缩数据不完整")
    return exc.__class__.__name__
