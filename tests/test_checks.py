"""The four-properties check, item by item, with stable codes and messages that name the item."""
import io
import json
import re
import stat
import struct
import zipfile

import pytest
from PIL import Image
from pypdf import PdfWriter

from capture.i18n import fill
from capture.models import AuditEvent, Document, File
from capture.ops import samples
from capture.transfer import checks

from transfer_support import jpeg_bytes, pdf_bytes, register


def findings(report, code, severity=None):
    return [f for f in report.findings if f.code == code and (severity is None or f.severity == severity)]


def run(app, body, **kwargs):
    return checks.run(body, app.extensions["store"], scanner="", **kwargs)


def test_a_complete_body_passes_with_only_the_virus_scan_warning(app, flood):
    body, _, docs = flood
    report = run(app, body)
    assert report.summary["fail"] == 0, [f.message for f in report.findings if f.severity == "fail"]
    assert [f.code for f in report.findings if f.severity == "warning"] == ["SEC-VIRUS-NOT-RUN"]
    assert report.totals["items"] == len(docs) and report.totals["files"] == len(docs)


def test_a_gap_in_item_numbers_is_named(app, flood):
    body, _, docs = flood
    last = docs[-1]
    last.item_number, last.reference_code = 12, last.reference_code[:-4] + "0012"
    last.save()
    gap = findings(run(app, body), "COMP-GAP", "fail")
    assert len(gap) == 1 and "0009、0010、0011" in gap[0].message and "J002-WS·2026-Y-ZH" in gap[0].message


def test_a_reference_code_that_does_not_match_its_class_fails(app, flood):
    body, _, docs = flood
    docs[0].reference_code = "J002-WS·2026-D30-ZH-0001"
    docs[0].save()
    [finding] = findings(run(app, body), "AUTH-REFCODE", "fail")
    assert "应为 J002-WS·2026-Y-ZH-0001" in finding.message


def test_control_characters_and_duplicates_fail(app, flood):
    body, secretary, docs = flood
    docs[1].title = "会议\x07纪要"
    docs[1].save()
    register(app.extensions["store"], body, secretary, docs[2].title, doc_number=docs[2].doc_number)
    report = run(app, body)
    assert docs[1].reference_code in findings(report, "AUTH-CONTROL", "fail")[0].message
    assert docs[2].reference_code in findings(report, "AUTH-DUPLICATE", "fail")[0].message


def test_an_electronic_item_without_a_file_fails_but_a_paper_one_does_not(app, flood):
    body, secretary, _ = flood
    missing = register(app.extensions["store"], body, secretary, "电子文件未上传", data=False)
    register(app.extensions["store"], body, secretary, "纸质原件", data=False, carrier="paper")
    [finding] = findings(run(app, body), "COMP-NOFILE", "fail")
    assert missing.reference_code in finding.message and "没有上传任何文件" in finding.message


def test_a_required_scope_entry_without_items_fails(app, flood):
    body, _, docs = flood
    docs[0].scope_item = None
    docs[0].save()
    [finding] = findings(run(app, body), "COMP-SCOPE", "fail")
    assert "成立文件" in finding.message


def _encrypted_pdf():
    writer = PdfWriter()
    writer.add_blank_page(width=100, height=100)
    writer.encrypt("secret")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _mp4(with_moov=True):
    ftyp = struct.pack(">I4s4sI4s", 20, b"ftyp", b"isom", 512, b"isom")
    moov = struct.pack(">I4s", 8, b"moov") if with_moov else b""
    return ftyp + moov + struct.pack(">I4s", 12, b"mdat") + b"\x00" * 4


def _ofd():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("OFD.xml", "<ofd:OFD xmlns:ofd='http://www.ofdspec.org/2016'/>")
        archive.writestr("Doc_0/Document.xml", "<ofd:Document xmlns:ofd='http://www.ofdspec.org/2016'/>")
    return buffer.getvalue()


def _png():
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.mark.parametrize("name, data, code, severity", [
    ("加密.pdf", _encrypted_pdf(), "USE-ENCRYPTED", "fail"),
    ("损坏.pdf", b"%PDF-1.7\nnot really a pdf", "USE-OPEN", "fail"),
    ("截断.jpg", jpeg_bytes()[:40], "USE-OPEN", "fail"),
    ("无索引.mp4", _mp4(with_moov=False), "USE-OPEN", "fail"),
    ("安装程序.exe", b"MZ\x90\x00" + b"\x00" * 60, "SEC-EXECUTABLE", "fail"),
    ("脚本.txt", b"#!/bin/sh\nrm -rf /\n", "SEC-EXECUTABLE", "fail"),
    ("截图.png", _png(), "USE-FORMAT", "warning"),
    ("资料.zip", _ofd().replace(b"OFD.xml", b"abc.xml"), "USE-COMPRESSED", "warning"),
])
def test_files_that_do_not_open_or_are_dangerous_are_named(app, flood, name, data, code, severity):
    body, secretary, _ = flood
    doc = register(app.extensions["store"], body, secretary, "有问题的文件", data=data, name=name)
    File.update(long_term=False).where(File.document == doc).execute()
    report = run(app, body)
    found = findings(report, code, severity)
    assert len(found) == 1 and doc.reference_code in found[0].message and name in found[0].message
    # Every finding in English, the kind of file and what our reading found wrong included.
    english = " ".join(_in_english(app, f).replace(name, "") for f in report.findings)
    assert not re.search(r"[\u3000-\u303f\u3400-\u9fff\uff01-\uff5e]", english), english


@pytest.mark.parametrize("name, data", [("视频.mp4", samples.mp4()), ("公文.ofd", _ofd()), ("照片.jpg", jpeg_bytes()),
                                        ("正文.pdf", pdf_bytes(2)), ("归档.pdf", samples.pdf("PDF/A", pages=2))])
def test_long_term_formats_open_cleanly(app, flood, name, data):
    body, secretary, _ = flood
    doc = register(app.extensions["store"], body, secretary, "正常文件", data=data, name=name, pages=2)
    File.update(long_term=False).where(File.document == doc).execute()
    report = run(app, body)
    about = [f for f in report.findings if doc.reference_code in f.message]
    if name == "正文.pdf":  # a plain PDF opens but is not PDF/A
        assert [f.code for f in about] == ["USE-FORMAT"]
    else:
        assert about == []


def test_a_virus_found_by_clamscan_fails_naming_the_item(app, flood, tmp_path):
    body, secretary, _ = flood
    doc = register(app.extensions["store"], body, secretary, "带毒附件", data=pdf_bytes() + b"EICAR")
    fake = tmp_path / "clamscan"
    fake.write_text("#!/bin/sh\nfor f in \"$@\"; do case \"$f\" in -*) ;; *) "
                    "grep -q EICAR \"$f\" && echo \"$f: Eicar-Test-Signature FOUND\" && found=1;; esac; done\n"
                    "[ -n \"$found\" ] && exit 1; exit 0\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    report = checks.run(body, app.extensions["store"], scanner=str(fake))
    [virus] = findings(report, "SEC-VIRUS", "fail")
    assert doc.reference_code in virus.message and "Eicar-Test-Signature" in virus.message
    assert not findings(report, "SEC-VIRUS-NOT-RUN")


def test_the_cli_check_is_logged_and_exits_by_failures(app, runner, flood):
    body, _, docs = flood
    result = runner.invoke(args=["check", "FXQX", "--operator", "测试员"])
    assert result.exit_code == 0, result.output
    assert "SEC-VIRUS-NOT-RUN" in result.output or "SEC-VIRUS" in result.output
    assert AuditEvent.get(AuditEvent.action == "transfer.check").body_id == body.id
    docs[0].scope_item = None
    docs[0].save()
    failing = runner.invoke(args=["check", "FXQX", "--operator", "测试员"])
    assert failing.exit_code == 1 and "COMP-SCOPE" in failing.output
    assert runner.invoke(args=["check", "NOPE", "--operator", "测试员"]).exit_code != 0


def _pdf_claiming_pdfa(pages=1):
    """A PDF whose XMP says PDF/A-1b while its font is not embedded and it has no OutputIntent."""
    writer = PdfWriter(clone_from=io.BytesIO(samples.pdf("claim", pdfa=False, pages=pages)))
    writer.xmp_metadata = samples.XMP.format(title="claim").encode("utf-8")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def test_a_pdfa_claim_without_embedded_fonts_or_output_intent_is_flagged_saying_what_is_missing(app, flood):
    body, secretary, _ = flood
    doc = register(app.extensions["store"], body, secretary, "自称 PDF/A", data=_pdf_claiming_pdfa(), name="a.pdf")
    found = findings(run(app, body), "USE-PDFA", "warning")
    assert len(found) == 1 and doc.reference_code in found[0].message
    assert "OutputIntent" in found[0].message and "字体未嵌入：Helvetica" in found[0].message
    assert "it declares PDF/A, but it has no OutputIntent (output intent with its ICC profile); fonts not " \
           "embedded: Helvetica, so it is not PDF/A" in _in_english(app, found[0])
    real = register(app.extensions["store"], body, secretary, "真 PDF/A", data=samples.pdf("real"), name="b.pdf")
    assert not [f for f in run(app, body).findings if real.reference_code in f.message]


def test_page_count_read_from_the_pdf_is_compared_with_the_registered_pages(app, flood):
    body, secretary, _ = flood
    doc = register(app.extensions["store"], body, secretary, "十二页的方案", data=samples.pdf("p", pages=3),
                   name="方案.pdf", pages=12)
    found = findings(run(app, body), "AUTH-PAGES", "fail")
    assert len(found) == 1 and "登记的页数为 12，其文件共 3 页，未说明原因" in found[0].message
    assert doc.reference_code in found[0].message


@pytest.mark.parametrize("name, data", [
    ("无轨道.mp4", _mp4()),
    ("无音频.wav", b"RIFF" + struct.pack("<I", 4) + b"WAVE"),
])
def test_audio_or_video_without_a_track_is_not_usable(app, flood, name, data):
    body, secretary, _ = flood
    doc = register(app.extensions["store"], body, secretary, "录像", data=data, name=name)
    found = findings(run(app, body), "USE-TRACK", "fail")
    assert len(found) == 1 and doc.reference_code in found[0].message and name in found[0].message


def test_the_demo_files_conform_so_the_demo_body_checks_clean(app, runner):
    assert runner.invoke(args=["demo"]).exit_code == 0
    from capture.models import Body
    report = run(app, Body.get(Body.code == "FXQX"))
    flagged = [f.message for f in report.findings if f.code in ("USE-PDFA", "AUTH-PAGES", "USE-TRACK", "USE-OPEN")
               and f.severity != "pass"]
    assert flagged == []
    assert report.summary["fail"] == 0


def _in_english(app, finding):
    """A finding as a reader in English sees it, from the report as it is kept (JSON)."""
    kept = json.loads(json.dumps(finding.__dict__, ensure_ascii=False))
    app.config["LANGUAGE"] = "en"
    try:
        with app.test_request_context():
            return fill(kept["template"], kept["params"])
    finally:
        app.config["LANGUAGE"] = "zh_Hans"


def test_a_field_out_of_rule_is_named_in_the_readers_language_with_its_punctuation(app, flood):
    body, _, docs = flood
    Document.update(retention="Z", security="绝密", title="长" * 501, remarks="注" * 2001).where(
        Document.id == docs[0].id).execute()
    [finding] = findings(run(app, body), "AUTH-FIELD", "fail")
    ref = docs[0].reference_code
    assert finding.message == (f"{ref}：保管期限“Z”不是规定值；密级“绝密”不是规定值；"
                               "题名超过 500 个字符；备注超过 2000 个字符")
    assert _in_english(app, finding) == (
        f'{ref}: Retention period "Z" is not a permitted value; Security level "绝密" is not a '
        "permitted value; Title is longer than 500 characters; Remarks is longer than 2000 characters")


def test_lists_in_findings_are_joined_the_readers_way(app, flood):
    body, _, docs = flood
    for doc in docs[-3:]:
        doc.item_number += 30
        doc.reference_code = doc.reference_code[:-4] + f"{doc.item_number:04d}"
        doc.save()
    [gap] = findings(run(app, body), "COMP-GAP", "fail")
    first = min(set(range(1, 40)) - {d.item_number for d in docs})
    assert f"{first:04d}、{first + 1:04d}、" in gap.message and f"{first + 19:04d}……" in gap.message
    english = _in_english(app, gap)
    assert f"{first:04d}, {first + 1:04d}, " in english and f"{first + 19:04d}, … missing" in english
    assert not re.search(r"[\u3000-\u303f\u3400-\u9fff\uff01-\uff5e]", english)


def test_a_report_kept_before_findings_had_msgids_is_shown_as_kept_and_marked_chinese(app):
    from capture.web import finding_text
    app.config["LANGUAGE"] = "en"
    with app.test_request_context():
        old = finding_text({"code": "AUTH-FIELD", "message": "J002-WS·2026-Y-0001：年度或页数超出范围"})
        new = finding_text({"code": "AUTH-FIELD", "message": "…", "template": "年度或页数超出范围", "params": {}})
    assert str(old) == '<span lang="zh-CN">J002-WS·2026-Y-0001：年度或页数超出范围</span>'
    assert new == "Year or page count is out of range"
