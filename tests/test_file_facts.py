"""One fact per file, read from its bytes at capture: its format (a PDF/A claim verified or refuted)
and its pages; the form, the check, the package, the register and the API all say the same."""
import csv
import io
import re
import zipfile

import pytest
from docx import Document as DocxDocument
from PIL import Image
from pypdf import PdfWriter

from capture.models import AuditEvent, Document, File
from capture.ops import samples
from capture.records import registry, usability
from capture.transfer import checks, packaging

from test_documents import register as post_document
from transfer_support import export_folder


def pdf_claiming_pdfa():
    """A PDF whose XMP says PDF/A-1b while its font is not embedded and it has no OutputIntent."""
    writer = PdfWriter(clone_from=io.BytesIO(samples.pdf("claim", pdfa=False)))
    writer.xmp_metadata = samples.XMP.format(title="claim").encode("utf-8")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def capture(app, body, user, title, data, name="文件.pdf", **fields):
    """Register an item with one file the way the form and the API do (through the registry)."""
    values = {"category": "ZH", "retention": "Y", "carrier": "electronic", "responsible": "区防汛防台指挥部",
              "title": title, "date": "2026-07-10", "pages": "", **fields}
    return registry.register_document(body, user, values, [(name, io.BytesIO(data), len(data))],
                                      store=app.extensions["store"])


def test_a_refuted_pdfa_claim_is_kept_as_what_the_file_is_and_the_package_says_so(app, flood, tmp_path):
    body, secretary, _ = flood
    doc = capture(app, body, secretary, "自称长期保存格式的通知", pdf_claiming_pdfa(), name="通知.pdf")
    stored = File.get(File.document == doc)
    assert stored.claimed.startswith("fmt/354") and not stored.long_term
    assert stored.puid in ("fmt/18", "fmt/17", "fmt/19", "fmt/20", "fmt/276") and "PDF/A" not in stored.format_name
    assert "OutputIntent" in stored.claim_finding and stored.pages == 1
    real = File.get(File.document == capture(app, body, secretary, "真 PDF/A", samples.pdf("real"), name="b.pdf"))
    assert real.long_term and real.claimed.startswith("fmt/354") and real.claim_finding == ""

    package = export_folder(app, body, tmp_path).path
    rows = list(csv.DictReader(open(package / "data/metadata/items.csv", encoding="utf-8-sig")))
    [row] = [r for r in rows if r["档号"] == doc.reference_code]
    assert row["长期保存格式"] == "否" and "PDF/A" not in row["格式"]
    assert row["格式核验"].startswith("声明为 fmt/354") and "核验未通过" in row["格式核验"] \
        and "OutputIntent" in row["格式核验"]
    xml = (package / "data/metadata/metadata.xml").read_text(encoding="utf-8")
    mine = xml.split(doc.reference_code, 1)[1].split("</文件实体>", 1)[0]
    [found] = re.findall(r"<格式信息 [^>]*>[^<]*</格式信息>", mine)
    assert "PDF/A" not in found and 'PUID="fmt/354"' not in found and '长期保存格式="false"' in found
    assert re.search(r'<格式核验 声明格式="fmt/354[^"]*" 结论="未通过">[^<]*OutputIntent', mine)
    register = package.parent / f"{package.name}-register.docx"
    content = [r.cells[1].text for t in DocxDocument(register).tables for r in t.rows
               if r.cells[0].text == "内容描述"][0]
    assert content.count("PDF/A") == 1  # the real PDF/A only, not the file that only claims it


def test_the_check_reads_the_claim_from_the_file_row_and_warns(app, flood):
    body, secretary, _ = flood
    doc = capture(app, body, secretary, "自称 PDF/A", pdf_claiming_pdfa())
    report = checks.run(body, app.extensions["store"], scanner="")
    [warning] = [f for f in report.findings if f.code == "USE-PDFA"]
    assert doc.reference_code in warning.message and "实际不是 PDF/A" in warning.message


def test_pages_are_read_from_pdf_ofd_and_multi_page_tiff(tmp_path):
    pdf = tmp_path / "a.pdf"
    pdf.write_bytes(samples.pdf("five", pages=5))
    assert usability.inspect(pdf, "a.pdf").pages == 5
    ofd = tmp_path / "a.ofd"
    with zipfile.ZipFile(ofd, "w") as archive:
        archive.writestr("OFD.xml", '<ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016" Version="1.0">'
                         '<ofd:DocBody><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>')
        archive.writestr("Doc_0/Document.xml", '<ofd:Document xmlns:ofd="http://www.ofdspec.org/2016"><ofd:Pages>'
                         + "".join(f'<ofd:Page ID="{n}" BaseLoc="Pages/Page_{n}/Content.xml"/>' for n in range(3))
                         + "</ofd:Pages></ofd:Document>")
    found = usability.inspect(ofd, "a.ofd")
    assert (found.kind, found.pages) == ("ofd", 3)
    tiff = tmp_path / "scan.tif"
    frames = [Image.new("L", (20, 20), shade) for shade in (0, 120, 240, 60)]
    frames[0].save(tiff, save_all=True, append_images=frames[1:])
    assert usability.inspect(tiff, "scan.tif").pages == 4


def test_a_page_count_differing_without_a_reason_fails_accuracy_and_the_register_never_says_passed(app, flood):
    body, secretary, _ = flood
    doc = capture(app, body, secretary, "五页的方案", samples.pdf("plan", pages=5), name="方案.pdf", pages="2")
    assert "所选文件共 5 页，填写的页数是 2" in " ".join(doc.warnings)
    transfer, report = packaging.run_check(body, None, app.extensions["store"], operator="测试员")
    [failed] = [f for f in report.findings if f.code == "AUTH-PAGES"]
    assert failed.severity == "fail" and doc.reference_code in failed.message and "共 5 页" in failed.message
    findings = packaging.latest_report(transfer)["findings"]
    assert packaging._checks_column(findings)["准确性检验"] == "不通过"
    with pytest.raises(packaging.ExportError):
        export_folder(app, body, "/nonexistent-never-written")


def test_a_page_count_kept_with_a_reason_is_a_warning_and_the_catalogue_says_why(app, flood, tmp_path):
    body, secretary, _ = flood
    doc = capture(app, body, secretary, "五页的方案", samples.pdf("plan", pages=5), name="方案.pdf", pages="2",
                  pages_reason="后三页为空白页")
    assert doc.pages == 2 and doc.pages_reason == "后三页为空白页"
    package = export_folder(app, body, tmp_path).path
    report = (package / "data/forms/check-report.json").read_text(encoding="utf-8")
    assert "后三页为空白页" in report
    rows = list(csv.DictReader(open(package / "data/metadata/items.csv", encoding="utf-8-sig")))
    [row] = [r for r in rows if r["档号"] == doc.reference_code]
    assert "页数说明：后三页为空白页" in row["备注"] and row["文件页数"] == "5"


def test_blank_pages_take_the_count_read_from_the_files(app, flood):
    body, secretary, _ = flood
    doc = capture(app, body, secretary, "三页的纪要", samples.pdf("three", pages=3))
    assert doc.pages == 3 and not doc.warnings


def test_the_form_tells_of_a_page_difference_before_saving_and_keeps_the_reason_in_the_trail(client, auth, world):
    auth.login("secretary")
    body = world["a"]
    five = samples.pdf("five pages", pages=5)
    asked = post_document(auth, body, [("方案.pdf", five)], pages="2")
    page = asked.get_data(as_text=True)
    assert asked.status_code == 409 and Document.select().count() == 0
    assert "所选文件共 5 页，填写的页数是 2。" in page and "改为 5 页并登记" in page and "保留 2 页并登记" in page
    held = page.split('name="held" value="', 1)[1].split('"', 1)[0]
    unexplained = post_document(auth, body, pages="2", held=held, pages_choice="keep")
    assert unexplained.status_code == 409 and "请写明保留所填页数的原因" in unexplained.get_data(as_text=True)
    kept = post_document(auth, body, pages="2", held=held, pages_choice="keep", pages_reason="含三页附件另行登记")
    assert kept.status_code == 302
    document = Document.get()
    assert (document.pages, document.pages_reason) == (2, "含三页附件另行登记")
    event = AuditEvent.get(AuditEvent.action == "document.register")
    assert "含三页附件另行登记" in event.details
    history = client.get(f"/bodies/{body.id}/documents/{document.id}").get_data(as_text=True)
    assert "含三页附件另行登记" in history and "5 页" in history


def test_the_form_corrects_the_pages_to_the_files_when_asked(client, auth, world):
    auth.login("secretary")
    body = world["a"]
    asked = post_document(auth, body, [("方案.pdf", samples.pdf("five", pages=5))], pages="2")
    held = asked.get_data(as_text=True).split('name="held" value="', 1)[1].split('"', 1)[0]
    assert post_document(auth, body, pages="2", held=held, pages_choice="files").status_code == 302
    assert Document.get().pages == 5 and Document.get().pages_reason == ""


def test_the_api_gives_the_files_facts(client, auth, world, app):
    from capture.api import shapes
    auth.login("secretary")
    post_document(auth, world["a"], [("通知.pdf", pdf_claiming_pdfa())], pages="1")
    stored = File.get()
    with app.test_request_context():
        shape = shapes.file(stored, True, world["a"].id)
    assert shape["pages"] == 1 and shape["long_term"] is False
    assert shape["claimed_format"].startswith("fmt/354") and "OutputIntent" in shape["claim_finding"]


def test_files_registered_before_facts_were_kept_get_them_from_the_backfill_command(app, runner, flood):
    from transfer_support import register
    body, secretary, _ = flood
    doc = register(app.extensions["store"], body, secretary, "旧登记", data=pdf_claiming_pdfa(), name="旧.pdf")
    old = File.get(File.document == doc)
    assert (old.pages, old.claimed, old.long_term) == (None, "", True)  # as rows were before
    result = runner.invoke(args=["file-facts"])
    assert result.exit_code == 0, result.output
    assert "Facts established for" in result.output
    old = File.get_by_id(old.id)
    assert old.pages == 1 and not old.long_term and "OutputIntent" in old.claim_finding
    again = runner.invoke(args=["file-facts"])
    assert f"Facts established for 0 of {File.select().count()} files" in again.output


def test_the_exported_demo_package_tells_the_same_story_as_the_product(app, runner, tmp_path):
    import json
    from capture.models import Body
    assert runner.invoke(args=["demo"]).exit_code == 0
    body = Body.get(Body.code == "FXQX")
    package = export_folder(app, body, tmp_path).path
    items = json.loads((package / "data/metadata/items.json").read_text(encoding="utf-8"))["items"]
    rows = {f.sha256: f for f in File.select()}
    for item in items:
        document = Document.get(Document.reference_code == item["reference_code"])
        assert item["pages"] == document.pages
        for shipped in item["files"]:
            row = rows[shipped["sha256"]]
            assert shipped["format"] == " ".join(x for x in (row.puid, row.format_name) if x)
            assert shipped["long_term"] == ("是" if row.long_term else "否")
            assert shipped["pages"] == ("" if row.pages is None else row.pages)
    report = json.loads((package / "data/forms/check-report.json").read_text(encoding="utf-8"))
    register = package.parent / f"{package.name}-register.docx"
    cells = [[c.text for c in r.cells] for t in DocxDocument(register).tables for r in t.rows]
    sender = next(r for r in cells if r[0] == "移交单位")
    columns = dict(zip(cells[cells.index(sender) - 1][1:], sender[1:]))
    names = {"authenticity": "准确性检验", "completeness": "完整性检验", "usability": "可用性检验",
             "security": "安全性检验"}
    for prop, column in names.items():
        severities = {f["severity"] for f in report["findings"] if f["property"] == prop}
        if "fail" in severities or "warning" in severities:
            assert columns[column] != "通过", (column, severities)


def test_editing_the_pages_away_from_the_files_needs_a_reason(client, auth, world):
    from test_documents import form
    auth.login("secretary")
    detail = post_document(auth, world["a"], [("方案.pdf", samples.pdf("three", pages=3))], pages="3") \
        .headers["Location"]
    refused = auth.post(f"{detail}/edit", form(pages="1"))
    assert refused.status_code == 422 and "所选文件共 3 页，填写的页数是 1" in refused.get_data(as_text=True)
    assert Document.get().pages == 3
    kept = auth.post(f"{detail}/edit", form(pages="1", pages_reason="只计正文"))
    assert kept.status_code == 302 and (Document.get().pages, Document.get().pages_reason) == (1, "只计正文")
    assert "只计正文" in AuditEvent.get(AuditEvent.action == "document.edit").details


def test_a_photo_keeps_zero_pages_whatever_its_tiff_frames(app, flood):
    body, secretary, _ = flood
    buffer = io.BytesIO()
    frames = [Image.new("L", (20, 20), shade) for shade in (0, 200)]
    frames[0].save(buffer, "TIFF", save_all=True, append_images=frames[1:])
    doc = capture(app, body, secretary, "现场照片", buffer.getvalue(), name="现场.tif", carrier="photo", pages="0")
    assert doc.pages == 0 and not doc.warnings and File.get(File.document == doc).pages == 2
    report = checks.run(body, app.extensions["store"], scanner="")
    assert not [f for f in report.findings if f.code == "AUTH-PAGES" and f.severity != "pass"]


def test_an_imported_row_without_pages_takes_the_pages_read_from_its_file(app, world, tmp_path):
    from test_import import csv_bytes, run, zip_of, ROWS
    archive = tmp_path / "files.zip"
    archive.write_bytes(zip_of({"成立通知.pdf": samples.pdf("Founding notice", pages=4)}))
    row = ROWS[0][:7] + [""] + ROWS[0][8:]
    run(app, world, csv_bytes([row]), files=archive)
    assert Document.get().pages == 4 and File.get().pages == 4
