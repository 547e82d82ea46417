"""Registering documents through the service: 档号, gap-free numbers, edits, withdrawal."""
import io
import json
import threading

import pytest

from capture.db import db
from capture.models import AuditEvent, Document, File
from capture.ops import samples
from capture.records import registry
from capture.forms import InvalidInput


def fields(**overrides):
    values = {"category": "ZH", "retention": "Y", "carrier": "electronic", "doc_number": "沪防指〔2026〕1号",
              "responsible": "区疫情防控工作指挥部", "title": "关于成立区疫情防控工作指挥部的通知",
              "title_supplied": False, "date": "2026-02-03", "pages": "3", "security": "",
              "scope_item": "", "remarks": ""}
    values.update(overrides)
    return values


@pytest.fixture
def ctx(app, world):
    with app.test_request_context(), db.connection_context():
        yield {"store": app.extensions["store"], **world}


def register(ctx, uploads=(), **overrides):
    return registry.register_document(ctx["a"], ctx["secretary"], fields(**overrides), list(uploads),
                                      store=ctx["store"])


def test_reference_code_follows_da_t_22(ctx):
    document = register(ctx)
    assert document.reference_code == "J001-WS·2026-Y-ZH-0001"
    assert document.class_key == "WS·2026-Y-ZH" and document.item_number == 1


def test_body_without_a_category_omits_that_level(ctx):
    assert register(ctx, category="").reference_code == "J001-WS·2026-Y-0001"


def test_photos_and_audio_video_have_their_own_classes(ctx):
    assert register(ctx, carrier="photo").reference_code == "J001-ZP·2026-Y-ZH-0001"
    assert register(ctx, carrier="audio-video").reference_code == "J001-LX·2026-Y-ZH-0001"
    assert register(ctx, carrier="paper").reference_code == "J001-WS·2026-Y-ZH-0001"


def test_numbers_run_within_the_lowest_class_without_gaps(ctx):
    codes = [register(ctx).reference_code for _ in range(3)]
    codes.append(register(ctx, retention="D10").reference_code)
    codes.append(register(ctx, category="FK").reference_code)
    codes.append(register(ctx).reference_code)
    assert codes == ["J001-WS·2026-Y-ZH-0001", "J001-WS·2026-Y-ZH-0002", "J001-WS·2026-Y-ZH-0003",
                     "J001-WS·2026-D10-ZH-0001", "J001-WS·2026-Y-FK-0001", "J001-WS·2026-Y-ZH-0004"]


def test_a_withdrawn_number_is_never_given_again(ctx):
    first = register(ctx)
    registry.withdraw_document(first, ctx["secretary"], "重复登记")
    assert register(ctx).reference_code.endswith("-0002")


def test_twenty_concurrent_registrations_get_twenty_consecutive_numbers(app, ctx):
    body, user = ctx["a"], ctx["secretary"]
    codes, errors = [], []
    start = threading.Barrier(20)

    def worker(n):
        try:
            with app.test_request_context(), db.connection_context():
                start.wait()
                document = registry.register_document(body, user, fields(title=f"情况报告第{n}期"))
                codes.append(document.item_number)
        except Exception as exc:  # reported below with the thread's failure
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert sorted(codes) == list(range(1, 21))
    assert Document.select().where(Document.body == body).count() == 20


def test_validation_names_each_field_and_says_how_to_fix_it(ctx):
    with pytest.raises(InvalidInput) as caught:
        register(ctx, title="", responsible="区\x07指挥部", retention="Z", date="2026-02-30",
                 pages="-1", carrier="floppy", category="NOPE", security="绝密")
    errors = caught.value.field_errors
    assert set(errors) == {"title", "responsible", "retention", "date", "pages", "carrier",
                           "category", "security"}
    assert "控制字符" in errors["responsible"][0]
    assert not Document.select().exists()


def test_a_date_outside_the_bodys_life_is_a_warning_not_an_error(ctx):
    document = register(ctx, date="2025-12-01")
    assert document.reference_code == "J001-WS·2025-Y-ZH-0001"
    assert document.warnings and "存续期间" in document.warnings[0]


def test_too_long_title_is_refused(ctx):
    with pytest.raises(InvalidInput) as caught:
        register(ctx, title="长" * 501)
    assert "最多 500 个字" in caught.value.field_errors["title"][0]


def test_files_are_stored_identified_and_audited(ctx):
    pdf = samples.pdf("Notice")
    document = register(ctx, uploads=[("疫情防控通知.pdf", io.BytesIO(pdf), len(pdf))])
    stored = File.get(File.document == document)
    assert stored.original_name == "疫情防控通知.pdf"
    assert stored.puid == "fmt/354" and stored.long_term and stored.media_type == "application/pdf"
    assert ctx["store"].open(stored.sha256).read() == pdf
    event = AuditEvent.get(AuditEvent.action == "document.register")
    assert json.loads(event.details)["files"][0]["sha256"] == stored.sha256


def test_an_executable_is_refused_and_nothing_is_registered(ctx):
    elf = b"\x7fELF\x02\x01\x01" + bytes(200)
    with pytest.raises(InvalidInput) as caught:
        register(ctx, uploads=[("通知.pdf", io.BytesIO(elf), None)])
    assert "可执行程序" in caught.value.field_errors["files"][0]
    assert not Document.select().exists() and not File.select().exists()


def test_edit_keeps_old_and_new_values_in_the_audit_trail(ctx):
    document = register(ctx)
    changes, _ = registry.edit_document(document, ctx["secretary"], fields(title="关于成立指挥部的通知（修订）"))
    assert changes == {"title": ["关于成立区疫情防控工作指挥部的通知", "关于成立指挥部的通知（修订）"]}
    details = json.loads(AuditEvent.get(AuditEvent.action == "document.edit").details)
    assert details["changes"]["title"][0] == "关于成立区疫情防控工作指挥部的通知"
    assert Document.get_by_id(document.id).reference_code == "J001-WS·2026-Y-ZH-0001"


def test_edit_cannot_move_a_document_to_another_year_or_class(ctx):
    document = register(ctx)
    with pytest.raises(InvalidInput) as caught:
        registry.edit_document(document, ctx["secretary"], fields(date="2027-01-02"))
    assert "date" in caught.value.field_errors
    with pytest.raises(InvalidInput) as caught:
        registry.edit_document(document, ctx["secretary"], fields(carrier="photo"))
    assert "carrier" in caught.value.field_errors


def test_withdraw_needs_a_reason_and_keeps_the_record_and_its_files(ctx):
    pdf = samples.pdf("Minutes")
    document = register(ctx, uploads=[("纪要.pdf", io.BytesIO(pdf), None)])
    with pytest.raises(InvalidInput):
        registry.withdraw_document(document, ctx["secretary"], "  ")
    registry.withdraw_document(document, ctx["secretary"], "误登：属于区卫健委的文件")
    kept = Document.get_by_id(document.id)
    assert kept.status == "withdrawn" and kept.withdrawn_reason == "误登：属于区卫健委的文件"
    stored = File.get(File.document == kept)
    assert ctx["store"].exists(stored.sha256)
    assert AuditEvent.get(AuditEvent.action == "document.withdraw")


def test_a_new_version_keeps_the_old_file(ctx):
    old = samples.pdf("Draft")
    document = register(ctx, uploads=[("方案.pdf", io.BytesIO(old), None)])
    first = File.get(File.document == document)
    new = samples.pdf("Final")
    [second] = registry.add_file(document, ctx["secretary"], [("方案（定稿）.pdf", io.BytesIO(new), None)],
                                 ctx["store"], replaces=first)
    assert second.version == 2 and second.replaces_id == first.id
    assert ctx["store"].exists(first.sha256) and ctx["store"].exists(second.sha256)
    assert File.select().where(File.document == document).count() == 2


def test_the_users_last_choice_on_the_form_is_the_next_default_and_an_import_never_is(ctx):
    assert registry.form_defaults(ctx["a"], ctx["secretary"])[2] == "first"
    registry.remember_form_choice(register(ctx, category="FK", retention="D10"), ctx["secretary"])
    register(ctx, category="ZH", retention="D30")  # as an import or the API does: not remembered
    assert registry.form_defaults(ctx["a"], ctx["secretary"]) == ("FK", "D10", "last")
    assert registry.form_defaults(ctx["a"], ctx["liaison"])[2] == "first"


def test_transferred_body_keeps_what_it_transferred_and_queues_late_documents(ctx):
    from capture.models import Transfer
    carried = register(ctx)
    body = ctx["a"]
    body.status = "transferred"
    body.save()
    package = Transfer.create(body=body, status="received", package_path="/p/J001-AAA-20261201.zip")
    Document.update(transferred_in=package).execute()
    with pytest.raises(InvalidInput) as refused:
        registry.edit_document(Document.get_by_id(carried.id), ctx["secretary"], fields(title="改"))
    assert "已随移交包 J001-AAA-20261201.zip 移交" in str(refused.value.field_errors)
    late = register(ctx, title="撤销后发现的会议纪要")
    assert late.transferred_in_id is None
    assert any("补充移交" in w and "1 件未移交" in w for w in late.warnings)
