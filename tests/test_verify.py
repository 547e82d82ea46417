"""`verify` judges any BagIt bag an archive may receive, not only ours."""
import hashlib
import unicodedata
import zipfile

import bagit
import pytest

from capture.transfer.verify import verify


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


def test_os_junk_is_accepted_with_a_warning_that_names_it(tmp_path):
    root = make_bag(tmp_path / "bag", {"a.txt": b"alpha"}, info={"Payload-Oxum": "5.1"})
    (root / "data" / "Thumbs.db").write_bytes(b"junk")
    (root / "data" / ".DS_Store").write_bytes(b"junk")
    result = verify(root)
    assert result.valid, result.problems
    assert "Thumbs.db" in messages(result, "warning") and ".DS_Store" in messages(result, "warning")
    package = tmp_path / "bag.zip"
    with zipfile.ZipFile(package, "w") as archive:
        for path in sorted(root.rglob("*")):
            if path.is_file():
                archive.write(path, f"bag/{path.relative_to(root).as_posix()}")
        archive.writestr("__MACOSX/bag/._a.txt", "resource fork")
    zipped = verify(package)
    assert zipped.valid, zipped.problems
    assert "__MACOSX/bag/._a.txt" in messages(zipped, "warning")


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
