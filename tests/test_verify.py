"""`verify` judges any BagIt bag an archive may receive, not only ours."""
import gettext
import hashlib
import re
import unicodedata
import zipfile
from pathlib import Path

import bagit
import pytest

from capture.transfer.verify import verify

TRANSLATIONS = Path(__file__).resolve().parent.parent / "capture" / "translations"
CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff01-\uff5e]")


def make_bag(root, files, version="1.0", encoding="utf-8", algorithms=("sha256",), info=None):
    """Write a bag by hand: payload `files` {name: bytes}, manifests in `encoding`."""
    (root / "data").mkdir(parents=True)
    for name, data in files.items():
        path = root / "data" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    (root / "bagit.txt").write_text(f"BagIt-Version: {version}\nTag-File-Character-Encoding: {encoding.upper()}\n",
                                    encoding="utf-8")
    encode = (lambda n: n.replace("%", "%25").replace("\n", "%0A").replace("\r", "%0D")) \
        if version == "1.0" else (lambda n: n)
    for alg in algorithms:
        lines = "".join(f"{hashlib.new(alg, data).hexdigest()}  data/{encode(name)}\n"
                        for name, data in sorted(files.items()))
        (root / f"manifest-{alg}.txt").write_text(lines, encoding=encoding)
    if info:
        (root / "bag-info.txt").write_text("".join(f"{k}: {v}\n" for k, v in info.items()), encoding=encoding)
    return root


def messages(result, severity=None):
    return " ".join(m for s, m in result.problems if severity in (None, s))


def test_a_bag_made_by_the_library_of_congress_tool_validates(tmp_path):
    source = tmp_path / "bag"
    (source / "sub").mkdir(parents=True)
    (source / "sub" / "报告.txt").write_text("内容", encoding="utf-8")
    bag = bagit.make_bag(str(source), {"Contact-Name": "张三"}, checksums=["sha256", "sha512"])
    result = verify(source)
    assert result.valid, result.problems
    assert f"BagIt {bag.version_info[0]}.{bag.version_info[1]}" in messages(result)


def test_every_manifest_algorithm_is_checked(tmp_path):
    root = make_bag(tmp_path / "bag", {"a.txt": b"alpha"}, algorithms=("sha256", "sha512"))
    manifest = root / "manifest-sha512.txt"
    manifest.write_text("0" * 128 + "  data/a.txt\n", encoding="utf-8")
    result = verify(root)
    assert not result.valid and "data/a.txt（sha512" in messages(result, "fail")


def test_percent_encoded_names_are_decoded(tmp_path):
    root = make_bag(tmp_path / "bag", {"100%.txt": b"full", "two\nlines.txt": b"odd"})
    assert "%25" in (root / "manifest-sha256.txt").read_text()
    result = verify(root)
    assert result.valid, result.problems


def test_tag_files_are_read_in_the_declared_encoding(tmp_path):
    root = make_bag(tmp_path / "bag", {"café.txt": b"latte"}, version="0.97", encoding="iso-8859-1",
                    info={"Contact-Name": "José", "Payload-Oxum": "5.1"})
    result = verify(root)
    assert result.valid, result.problems


@pytest.mark.parametrize("evil", ["data/../../outside.txt", "/etc/passwd", "~/secret.txt"])
def test_manifest_paths_that_escape_the_bag_are_refused(tmp_path, evil):
    root = make_bag(tmp_path / "bag", {"a.txt": b"alpha"})
    with open(root / "manifest-sha256.txt", "a", encoding="utf-8") as manifest:
        manifest.write(f"{'0' * 64}  {evil}\n")
    result = verify(root)
    assert not result.valid and "拒绝处理" in messages(result, "fail") and evil in messages(result)


@pytest.mark.parametrize("evil", ["../evil.txt", "/tmp/evil.txt", "~evil.txt", "bag/../../evil.txt"])
def test_a_zip_that_would_write_outside_is_refused(tmp_path, evil):
    package = tmp_path / "in" / "package.zip"
    package.parent.mkdir()
    with zipfile.ZipFile(package, "w") as archive:
        archive.writestr("bag/bagit.txt", "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n")
        archive.writestr(evil, "gotcha")
    result = verify(package)
    assert not result.valid and evil in messages(result, "fail")
    assert not (tmp_path / "evil.txt").exists() and not (tmp_path / "in" / "evil.txt").exists()


def test_os_junk_in_the_payload_is_refused_by_name_but_beside_the_bag_only_warned(tmp_path):
    # RFC 8493 §2.1.2: every file under data/ is a payload file, and §2.1.3 lists each one;
    # beside data/ it is a tag file, which §2.1 lets have any name.
    root = make_bag(tmp_path / "bag", {"a.txt": b"alpha"}, info={"Payload-Oxum": "5.1"})
    (root / "data" / "Thumbs.db").write_bytes(b"junk")
    result = verify(root)
    assert not result.valid and "data/Thumbs.db（系统生成的垃圾文件" in messages(result, "fail")
    (root / "data" / "Thumbs.db").unlink()
    (root / ".DS_Store").write_bytes(b"junk")
    assert verify(root).valid
    package = tmp_path / "bag.zip"
    with zipfile.ZipFile(package, "w") as archive:
        for path in sorted(root.rglob("*")):
            if path.is_file():
                archive.write(path, f"bag/{path.relative_to(root).as_posix()}")
        archive.writestr("__MACOSX/bag/._a.txt", "resource fork")
    zipped = verify(package)
    assert zipped.valid, zipped.problems
    assert "__MACOSX/bag/._a.txt" in messages(zipped, "warning")


def test_a_listed_junk_name_is_payload_like_any_other(tmp_path):
    root = make_bag(tmp_path / "bag", {"a.txt": b"alpha", "Thumbs.db": b"kept on purpose"})
    (root / "data" / "Thumbs.db").write_bytes(b"changed")
    result = verify(root)
    assert not result.valid and "data/Thumbs.db" in messages(result, "fail")


def test_a_folder_without_a_sha256_tag_manifest_says_it_has_no_package_digest(tmp_path):
    result = verify(make_bag(tmp_path / "bag", {"a.txt": b"alpha"}))
    said = messages(result)
    assert result.valid and "（）" not in said and "()" not in said
    assert "没有 tagmanifest-sha256.txt" in said
    typed = verify(tmp_path / "bag", digest="ab" * 32)
    assert not typed.valid and "没有 tagmanifest-sha256.txt" in messages(typed, "fail")


def test_names_differing_only_by_case_or_normalization_warn(tmp_path):
    composed = unicodedata.normalize("NFC", "café.txt")
    decomposed = unicodedata.normalize("NFD", "Café.txt")
    root = make_bag(tmp_path / "bag", {"Report.txt": b"1", "report.txt": b"2", composed: b"3"})
    (root / "data" / decomposed).write_bytes(b"4")
    with open(root / "manifest-sha256.txt", "a", encoding="utf-8") as manifest:
        manifest.write(f"{hashlib.sha256(b'4').hexdigest()}  data/{decomposed}\n")
    result = verify(root)
    warning = messages(result, "warning")
    assert "data/Report.txt" in warning and "data/report.txt" in warning and "café" in warning


def test_a_bag_of_an_unknown_version_or_without_manifest_is_invalid(tmp_path):
    root = make_bag(tmp_path / "bag", {"a.txt": b"alpha"}, version="2.0")
    assert "不支持的 BagIt 版本" in messages(verify(root), "fail")
    (root / "bagit.txt").write_text("BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n")
    (root / "manifest-sha256.txt").unlink()
    assert "manifest" in messages(verify(root), "fail")


def test_verify_from_the_command_line_exits_by_validity(app, runner, tmp_path):
    root = make_bag(tmp_path / "bag", {"a.txt": b"alpha"})
    assert runner.invoke(args=["verify", str(root)]).exit_code == 0
    (root / "data" / "a.txt").write_bytes(b"alphA")
    result = runner.invoke(args=["verify", str(root)])
    assert result.exit_code == 1 and "data/a.txt" in result.output


def zip_of(root, package, prefix="bag"):
    with zipfile.ZipFile(package, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(root.rglob("*")):
            if path.is_file():
                archive.write(path, f"{prefix}/{path.relative_to(root).as_posix()}")
    return package


def test_a_zip_is_verified_from_the_zip_itself_never_unpacked(tmp_path, monkeypatch):
    import shutil
    import tempfile
    root = make_bag(tmp_path / "bag", {"a.txt": b"alpha" * 1000, "子目录/b.txt": b"beta"})
    package = zip_of(root, tmp_path / "bag.zip")

    def no_disk(*args, **kwargs):
        raise AssertionError("verify wrote to temporary disk")
    for name in ("mkdtemp", "mkstemp", "TemporaryDirectory", "NamedTemporaryFile"):
        monkeypatch.setattr(tempfile, name, no_disk)
    monkeypatch.setattr(zipfile.ZipFile, "extract", no_disk)
    monkeypatch.setattr(zipfile.ZipFile, "extractall", no_disk)
    monkeypatch.setattr(shutil, "copyfileobj", no_disk)
    result = verify(package)
    assert result.valid, result.problems
    with zipfile.ZipFile(package) as archive, zipfile.ZipFile(tmp_path / "bad.zip", "w") as bad:
        for info in archive.infolist():
            data = archive.read(info)
            bad.writestr(info, data.replace(b"alpha", b"alphA", 1) if info.filename.endswith("a.txt") else data)
    changed = verify(tmp_path / "bad.zip")
    assert not changed.valid and "文件已改变：data/a.txt" in messages(changed, "fail")


def test_an_unlisted_zip_bomb_is_never_inflated(tmp_path, monkeypatch):
    from capture.transfer.bagsource import ZipSource
    package = tmp_path / "bomb.zip"
    with zipfile.ZipFile(package, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("bag/bagit.txt", "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n")
        archive.writestr("bag/manifest-sha256.txt", "")
        archive.writestr("bag/data/zeros.bin", bytes(64 * 1024 * 1024))
    assert package.stat().st_size < 1024 * 1024
    opened = []
    real_open = ZipSource.open
    monkeypatch.setattr(ZipSource, "open", lambda self, name: opened.append(name) or real_open(self, name))
    result = verify(package)
    assert not result.valid and "data/zeros.bin（包中有，清单中没有）" in messages(result, "fail")
    assert "data/zeros.bin" not in opened


def test_a_listed_file_that_compresses_a_thousandfold_is_valid(tmp_path):
    # A fixed ratio cap refused it: 64 MiB of zeros deflate to 64 KiB, yet it is listed, with its
    # size in Payload-Oxum and its digest in the manifest, so it is read and checked like any file.
    zeros = bytes(64 * 1024 * 1024)
    root = make_bag(tmp_path / "bag", {"zeros.bin": zeros}, info={"Payload-Oxum": f"{len(zeros)}.1"})
    package = zip_of(root, tmp_path / "bag.zip")
    assert package.stat().st_size * 500 < len(zeros)
    result = verify(package)
    assert result.valid, result.problems


def test_caps_on_members_and_total_size_name_the_numbers(tmp_path):
    from capture.transfer.bagsource import Limits
    root = make_bag(tmp_path / "bag", {f"{n}.txt": b"x" * 100 for n in range(10)})
    package = zip_of(root, tmp_path / "bag.zip")
    many = verify(package, limits=Limits(members=5))
    assert not many.valid and "超过上限 5" in messages(many, "fail")
    big = verify(package, limits=Limits(total_bytes=500))
    assert not big.valid and "超过上限 500 字节" in messages(big, "fail")
    assert verify(package).valid


def test_a_payload_file_replaced_by_a_link_is_named_even_when_something_else_fails(tmp_path):
    import os
    root = make_bag(tmp_path / "bag", {"a.txt": b"alpha", "b.txt": b"beta"})
    (tmp_path / "secret.txt").write_bytes(b"alpha")
    (root / "data" / "a.txt").unlink()
    os.symlink(tmp_path / "secret.txt", root / "data" / "a.txt")
    (root / "data" / "b.txt").write_bytes(b"BETA")
    result = verify(root)
    failures = messages(result, "fail")
    assert "data/a.txt 是符号链接" in failures and "文件已改变：data/b.txt" in failures


def test_a_device_or_pipe_in_the_bag_is_refused_by_name(tmp_path):
    import os
    root = make_bag(tmp_path / "bag", {"a.txt": b"alpha"})
    os.mkfifo(root / "data" / "pipe")
    result = verify(root)  # reading a pipe would hang: it must not be opened
    assert not result.valid and "data/pipe 是设备、管道或套接字文件" in messages(result, "fail")


def test_a_link_inside_a_zip_is_refused_by_name(tmp_path):
    import stat
    root = make_bag(tmp_path / "bag", {"a.txt": b"alpha"})
    package = zip_of(root, tmp_path / "bag.zip")
    with zipfile.ZipFile(package, "a") as archive:
        link = zipfile.ZipInfo("bag/data/passwd")
        link.create_system, link.external_attr = 3, (stat.S_IFLNK | 0o777) << 16
        archive.writestr(link, "/etc/passwd")
    result = verify(package)
    assert not result.valid and "data/passwd 是符号链接" in messages(result, "fail")


def test_names_with_line_breaks_and_bidi_controls_are_shown_not_obeyed(app, runner, tmp_path):
    root = make_bag(tmp_path / "bag", {"a.txt": b"alpha"})
    (root / "data" / "bad\nname\u202etxt.exe").write_bytes(b"x")
    result = verify(root)
    failure = messages(result, "fail")
    assert "data/bad\\nname\\u202etxt.exe" in failure and "\u202e" not in failure and "\n" not in failure
    printed = runner.invoke(args=["verify", str(root)])
    assert printed.exit_code == 1
    assert all(line.startswith(("[", "VALID", "INVALID")) for line in printed.output.splitlines())
    assert "\u202e" not in printed.output


def test_a_truncated_zip_is_refused_with_a_clear_message_in_the_users_language(app, runner, tmp_path):
    root = make_bag(tmp_path / "bag", {"a.txt": b"alpha" * 5000})
    package = zip_of(root, tmp_path / "bag.zip")
    data = package.read_bytes()
    cut = tmp_path / "cut.zip"
    cut.write_bytes(data[:len(data) // 2])
    result = verify(cut)
    assert not result.valid and "压缩包不完整或已损坏" in messages(result, "fail")
    chinese = runner.invoke(args=["verify", str(cut), "--language", "zh_Hans"])
    assert chinese.exit_code == 1 and "[错误] 压缩包不完整或已损坏" in chinese.output
    english = runner.invoke(args=["verify", str(cut), "--language", "en"])
    assert english.exit_code == 1 and "[Error] The zip file is incomplete or damaged" in english.output
    assert "BadZipFile" not in english.output and "not a zip file" not in english.output


def test_a_member_whose_bytes_are_damaged_in_the_zip_is_named(tmp_path):
    root = make_bag(tmp_path / "bag", {"a.txt": b"alpha" * 5000})
    package = zip_of(root, tmp_path / "bag.zip")
    data = bytearray(package.read_bytes())
    with zipfile.ZipFile(package) as archive:
        info = archive.getinfo("bag/data/a.txt")
    data[info.header_offset + 30 + len(info.filename.encode()) + 5] ^= 0xFF
    package.write_bytes(bytes(data))
    result = verify(package)
    assert not result.valid and "文件已损坏，无法读完：data/a.txt" in messages(result, "fail")


def in_english(result):
    """The findings as the web page and `verify --language en` write them."""
    catalogue = gettext.translation("messages", str(TRANSLATIONS), languages=["en"])
    return " ".join(m for _, m in result.messages(catalogue.gettext))


def test_lists_of_names_and_an_empty_file_are_written_the_readers_way(tmp_path):
    root = make_bag(tmp_path / "bag", {"Report.txt": b"1", "report.txt": b"2"})
    (root / "tagmanifest-sha256.txt").write_text(
        f"{hashlib.sha256((root / 'manifest-sha256.txt').read_bytes()).hexdigest()}  manifest-sha256.txt\n")
    (root / "bag-info.txt").write_text("Source-Organization: 测试\n", encoding="utf-8")
    (root / "fetch.txt").write_text("", encoding="utf-8")
    result = verify(root)
    assert "data/Report.txt、data/report.txt" in messages(result) and "bag-info.txt、bagit.txt" in messages(result)
    english = in_english(result)
    assert "data/Report.txt, data/report.txt" in english and "bag-info.txt, bagit.txt" in english
    assert not CJK.search(english.replace("测试", ""))
    (root / "bagit.txt").write_text("")
    emptied = verify(root)
    assert "实际为：（空）" in messages(emptied, "fail")
    assert "(empty)" in in_english(emptied) and not CJK.search(in_english(emptied))
