"""In Chromium, at desktop and phone width: a late document reaches the archive; a careful dissolution."""
import datetime as dt

import pytest

from playwright.sync_api import expect

from capture.models import AuditEvent, Body, Document, Membership, Transfer

from browser_support import PHONE, login, see, submit
from conftest import PASSWORD, make_user
from transfer_support import export_folder, flood_body, register

pytestmark = pytest.mark.browser
WIDTHS = {"desktop": {"width": 1366, "height": 900}, "phone": PHONE}


def fits(page, viewport):
    """The page does not scroll sideways."""
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]


@pytest.mark.parametrize("width", list(WIDTHS))
def test_a_late_document_is_queued_and_goes_in_the_supplementary_package(app, live_server, browser,
                                                                          tmp_path, width):
    viewport = WIDTHS[width]
    body, secretary, docs = flood_body(app)
    Membership.create(user=secretary, body=body, role="secretary")
    make_user("officer", "transfer_officer", display_name="赵移交")
    export_folder(app, body, tmp_path / "full")

    page = browser.page(viewport=viewport)
    login(page, live_server.url, "chen", PASSWORD)
    page.goto(f"{live_server.url}/bodies/{body.id}/documents/new")
    page.select_option("select[name=carrier]", "paper")
    page.fill("textarea[name=title]", "撤销后找到的防汛会议纪要")
    page.fill("input[name=responsible]", "区防汛防台指挥部")
    page.fill("input[name=date]", "2026-10-20")
    page.click("form[data-upload] .actions button.primary")
    page.wait_for_selector(".reference-code")
    see(page, "将进入补充移交", "未移交：本件在移交包导出后登记")
    fits(page, viewport)
    browser.shot(page, f"late-document-{width}")
    page.goto(live_server.url + "/")
    page.wait_for_selector("text=1 件未移交")
    fits(page, viewport)

    officer = browser.page(viewport=viewport)
    login(officer, live_server.url, "officer", PASSWORD)
    officer.goto(f"{live_server.url}/bodies/{body.id}/transfer")
    pending = officer.locator("#pending")
    expect(pending).to_contain_text("1 件未移交")
    expect(pending).to_contain_text("撤销后找到的防汛会议纪要")
    fits(officer, viewport)
    browser.shot(officer, f"transfer-page-pending-{width}")
    officer.click("button[name=export]")
    officer.wait_for_selector(".package-exported >> nth=1", timeout=60_000)
    officer.wait_for_selector("text=没有未移交的文件")
    expect(officer.locator("button[name=export]")).to_have_count(0)
    fits(officer, viewport)
    browser.shot(officer, f"supplement-exported-{width}")
    supplement = Transfer.get(Transfer.kind == "supplementary")
    assert supplement.item_count == 1
    late = Document.get(Document.title == "撤销后找到的防汛会议纪要")
    assert late.transferred_in_id == supplement.id


@pytest.mark.parametrize("width", list(WIDTHS))
def test_dissolution_is_confirmed_dated_sensibly_and_corrected_with_a_reason(app, world, live_server,
                                                                             browser, width):
    viewport = WIDTHS[width]
    register(app.extensions["store"], world["a"], world["secretary"], "关于撤销工作组的通知")
    page = browser.page(viewport=viewport)
    login(page, live_server.url, "liaison", PASSWORD)
    page.goto(f"{live_server.url}/bodies/{world['a'].id}/transfer")
    page.wait_for_selector("#lifecycle")
    assert not page.is_visible("input[name=dissolved_on]")  # not the first thing offered
    fits(page, viewport)
    browser.shot(page, f"active-transfer-page-{width}")

    page.click("details.dissolve summary")
    future = (dt.date.today() + dt.timedelta(days=90)).isoformat()
    page.fill("input[name=dissolved_on]", future)
    submit(page, "button[name=dissolve]")
    see(page, "撤销日期不能晚于今天")
    assert Body.get_by_id(world["a"].id).status == "active"

    page.fill("input[name=dissolved_on]", "2026-11-20")
    submit(page, "button[name=dissolve]")
    see(page, "分类锁定、归档范围冻结")
    fits(page, viewport)
    browser.shot(page, f"confirm-dissolution-{width}")
    page.click("button[name=confirm-dissolve]")
    page.wait_for_selector(".flash-success")
    assert Body.get_by_id(world["a"].id).status == "dissolving"

    page.click("details.correct-dissolution summary")
    page.fill("input[name=correct-dissolved_on]", "2026-11-18")
    page.fill("textarea[name=correct-reason]", "撤销通知载明 11 月 18 日")
    page.click("button[name=correct]")
    page.wait_for_selector(".flash-success")
    assert Body.get_by_id(world["a"].id).dissolved_on == dt.date(2026, 11, 18)
    assert "11 月 18 日" in AuditEvent.get(AuditEvent.action == "body.dissolution.correct").details
    fits(page, viewport)
    browser.shot(page, f"dissolution-corrected-{width}")


def test_a_duplicate_is_announced_before_registering_and_registered_anyway_with_javascript(
        app, world, live_server, browser):
    from capture.ops import samples
    pdf = {"name": "通知.pdf", "mimeType": "application/pdf", "buffer": samples.pdf("Same")}
    page = browser.page(viewport=PHONE)
    login(page, live_server.url, "secretary", PASSWORD)
    for title in ("关于开展排查的通知", "转发：关于开展排查的通知"):
        page.goto(f"{live_server.url}/bodies/{world['a'].id}/documents/new")
        page.set_input_files("#files", [pdf])
        page.fill("textarea[name=title]", title)
        page.fill("input[name=responsible]", "区疫情防控工作指挥部")
        page.click("form[data-upload] .actions button.primary")
        page.wait_for_selector(".reference-code, #duplicate")
    notice = page.locator("#duplicate")
    expect(notice).to_contain_text("尚未登记，也没有使用档号")
    assert notice.locator("a").first.get_attribute("href").startswith(f"/bodies/{world['a'].id}/documents/")
    assert Document.select().count() == 1
    fits(page, PHONE)
    browser.shot(page, "duplicate-announced-phone")
    page.click("button[name=duplicate_ok]")
    page.wait_for_selector(".reference-code")
    second = Document.get(Document.title == "转发：关于开展排查的通知")
    assert second.reference_code.endswith("-0002") and [f.original_name for f in second.files] == ["通知.pdf"]
