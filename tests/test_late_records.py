"""Late records are never lost: after a package is exported, each change is queued or refused."""
import io

import bagit
import pytest

from capture.models import AuditEvent, Body, Document, Membership, Transfer
from capture.ops import samples
from capture.transfer import packaging

from conftest import make_user
from test_import_jobs import work
from transfer_support import export_folder, flood_body


@pytest.fixture
def exported(app, tmp_path):
    """The flood task force, dissolved, its full package exported; its secretary and an officer."""
    body, secretary, docs = flood_body(app)
    make_user("officer", "transfer_officer", display_name="赵移交")
    Membership.create(user=secretary, body=body, role="secretary")
    export_folder(app, body, tmp_path / "full")
    return body, docs


def paper(**overrides):
    values = {"category": "ZH", "retention": "Y", "carrier": "paper", "doc_number": "",
              "responsible": "区防汛防台指挥部", "title": "撤销后找到的防汛会议纪要",
              "date": "2026-10-20", "pages": "2", "security": "", "scope_item": "", "remarks": ""}
    values.update(overrides)
    return values


def test_a_document_registered_after_the_export_is_queued_and_counted_everywhere(
        app, client, auth, runner, exported, tmp_path):
    body, docs = exported
    auth.login("chen")
    form = client.get(f"/bodies/{body.id}/documents/new").get_data(as_text=True)
    assert "本机构的移交包已导出" in form and "进入补充移交" in form  # told before registering
    response = auth.post(f"/bodies/{body.id}/documents/new", paper(), follow_redirects=True,
                         page=f"/bodies/{body.id}/documents/new")
    html = response.get_data(as_text=True)
    assert "已登记" in html and "补充移交" in html and "1 件未移交" in html
    late = Document.get(Document.title == "撤销后找到的防汛会议纪要")
    assert "未移交：本件在移交包导出后登记" in client.get(
        f"/bodies/{body.id}/documents/{late.id}").get_data(as_text=True)
    assert "1 件未移交" in client.get("/").get_data(as_text=True)  # the body's card
    auth.logout()

    auth.login("officer")
    url = f"/bodies/{body.id}/transfer"
    page = client.get(url).get_data(as_text=True)
    assert "1 件未移交" in page and late.reference_code in page and "导出补充移交包" in page
    assert "1 件未移交" in client.get("/bodies").get_data(as_text=True)
    assert "1 件未移交" in client.get("/transfers").get_data(as_text=True)
    auth.post(f"{url}/check", page=url)
    report = client.get(url).get_data(as_text=True)
    assert f"已移交 {len(docs)} 件，1 件未移交" in report
    assert "1 件未移交（移交包导出后登记）" in client.get(f"{url}/report").get_data(as_text=True)

    result = runner.invoke(args=["export", "FXQX", "--operator", "测试员", "-o", str(tmp_path / "supplement")])
    assert result.exit_code == 0, result.output
    supplement = Transfer.get(Transfer.kind == "supplementary")
    bag = bagit.Bag(supplement.package_path)
    assert bag.validate() and bag.info["Item-Count"] == "1"
    items = (tmp_path / "supplement").glob("*/data/metadata/items.csv")
    assert late.reference_code in next(items).read_text(encoding="utf-8-sig")
    assert Document.get_by_id(late.id).transferred_in_id == supplement.id
    page = client.get(url).get_data(as_text=True)
    assert "件未移交" not in page and 'name="export"' not in page


def test_a_transferred_body_with_late_items_writes_its_supplement_from_the_cli(
        app, runner, exported, tmp_path):
    body, docs = exported
    packaging.mark_received(Transfer.get(), None)
    assert Body.get_by_id(body.id).status == "transferred"
    from capture.records import registry
    with app.test_request_context():
        late = registry.register_document(Body.get_by_id(body.id), docs[0].created_by, paper())
    result = runner.invoke(args=["export", "FXQX", "--operator", "测试员", "-o", str(tmp_path / "late")])
    assert result.exit_code == 0, result.output
    assert "-BC" in result.output
    assert Document.get_by_id(late.id).transferred_in.kind == "supplementary"


def test_changes_to_transferred_items_are_refused_with_what_to_do(app, client, auth, exported):
    body, docs = exported
    doc = docs[0]
    auth.login("chen")
    base = f"/bodies/{body.id}/documents/{doc.id}"
    detail = client.get(base).get_data(as_text=True)
    assert "已随移交包" in detail and "修改信息" not in detail and "撤回原因" not in detail
    edit = auth.post(f"{base}/edit", paper(carrier="electronic", title="改过的题名", date="2026-07-01"),
                     page=base)
    assert edit.status_code == 422 and "不能再修改" in edit.get_data(as_text=True)
    withdraw = auth.post(f"{base}/withdraw", {"reason": "重复"}, page=base, follow_redirects=True)
    assert "不能再撤回" in withdraw.get_data(as_text=True)
    add = auth.post(f"{base}/files", {"files": (io.BytesIO(samples.pdf("x", ["y"])), "补.pdf")},
                    page=base, content_type="multipart/form-data", follow_redirects=True)
    assert "作为新文件登记，它将进入补充移交" in add.get_data(as_text=True)
    doc = Document.get_by_id(doc.id)
    assert doc.title != "改过的题名" and doc.status == "registered" and len(list(doc.files)) == 1


def test_a_late_item_may_be_corrected_or_withdrawn_until_its_supplement_is_exported(
        app, client, auth, exported):
    body, _ = exported
    auth.login("chen")
    auth.post(f"/bodies/{body.id}/documents/new", paper(), page=f"/bodies/{body.id}/documents/new")
    late = Document.get(Document.title == "撤销后找到的防汛会议纪要")
    base = f"/bodies/{body.id}/documents/{late.id}"
    assert auth.post(f"{base}/edit", paper(title="撤销后找到的防汛会议纪要（二）"), page=base).status_code == 302
    auth.post(f"{base}/withdraw", {"reason": "误登"}, page=base)
    assert Document.get_by_id(late.id).status == "withdrawn"


def test_nothing_to_add_offers_no_button_and_records_no_failure(app, client, auth, runner, exported,
                                                                tmp_path):
    body, _ = exported
    auth.login("officer")
    url = f"/bodies/{body.id}/transfer"
    page = client.get(url).get_data(as_text=True)
    assert 'name="export"' not in page and "没有未移交的文件" in page
    response = auth.post(f"{url}/export", page=url, follow_redirects=True)
    assert "没有需要补充移交的内容" in response.get_data(as_text=True)
    work(app)  # what `capture worker` would run: nothing was queued
    result = runner.invoke(args=["export", "FXQX", "--operator", "测试员", "-o", str(tmp_path / "again")])
    assert result.exit_code == 0 and "没有需要补充移交的内容" in result.output
    assert not Transfer.select().where(Transfer.status == "failed").exists()
    auth.post("/language", {"language": "en", "next": url}, page=url)
    response = auth.post(f"{url}/export", page=url, follow_redirects=True)
    assert "there is nothing to add in a supplementary transfer" in response.get_data(as_text=True)
    assert not AuditEvent.select().where(AuditEvent.action == "transfer.export_failed").exists()
    assert "导出失败" not in client.get(url).get_data(as_text=True)
