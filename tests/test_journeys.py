"""The three journeys end to end in Chromium: the secretary captures, the liaison guides, the
transfer officer transfers. Each saves a screenshot of every step, the final screen included."""
import datetime as dt

import pytest

from capture import clock
from capture.db import db
from capture.models import Body, Document, File, ScopeItem, User
from capture.ops import demo, samples
from capture.transfer import verify

from browser_support import PHONE, login
from conftest import PASSWORD
from transfer_support import complete_body

pytestmark = pytest.mark.browser


def meter_value(page):
    return float(page.get_attribute(".completeness meter", "value"))


def _prepare_epidemic_body(app):
    """YQFK with every scope entry filed but the work summary, so the check fails exactly there."""
    with db.connection_context():
        credentials = {u: p for _, u, p in demo.load(app.config["DATA_DIR"])}
        body = Body.get(Body.code == "YQFK")
        complete_body(app.extensions["store"], body, User.get(User.username == "secretary"))
        summary = ScopeItem.get(ScopeItem.body == body, ScopeItem.name == "工作总结")
        Document.update(scope_item=None).where(Document.scope_item == summary).execute()
    return body, credentials


def test_secretary_registers_a_document_with_two_files(app, world, live_server, browser):
    body = world["a"]
    page = browser.page()
    login(page, live_server.url, "secretary", PASSWORD)
    page.goto(f"{live_server.url}/bodies/{body.id}")
    before = meter_value(page)
    browser.shot(page, "overview-before")

    page.goto(live_server.url + "/")
    page.click(f"a[href='/bodies/{body.id}/documents/new']")
    assert page.input_value("input[name=date]")  # today by default
    page.select_option("select[name=category]", "ZH")
    page.select_option("select[name=retention]", "Y")
    page.fill("textarea[name=title]", "区疫情防控工作指挥部第三次会议纪要")
    page.fill("input[name=responsible]", "区疫情防控工作指挥部")
    page.fill("input[name=date]", "2026-03-20")
    page.fill("input[name=pages]", "5")
    page.select_option("select[name=scope_item]", label="会议纪要、记录")
    page.set_input_files("#files", [
        {"name": "第三次会议纪要.pdf", "mimeType": "application/pdf", "buffer": samples.pdf("Minutes 3")},
        {"name": "会议现场.jpg", "mimeType": "image/jpeg", "buffer": samples.jpeg()},
    ])
    assert page.locator("[data-file-list] li").count() == 2  # listed by upload.js
    assert page.is_visible("[data-drop-hint]")
    browser.shot(page, "register-form-filled")

    page.click("button.primary")
    page.wait_for_selector(".reference-code")
    assert f"已登记，档号 {body.fonds_code}-WS·2026-Y-ZH-0001" in page.content()
    assert page.locator(".file-rows li").count() == 2
    assert "第三次会议纪要.pdf" in page.content() and "会议现场.jpg" in page.content()
    browser.shot(page, "registered")
    document = Document.get()
    assert sorted(f.original_name for f in File.select().where(File.document == document)) == [
        "会议现场.jpg", "第三次会议纪要.pdf"]

    page.click("nav.tabs a:has-text('文件')")
    page.fill("input[name=q]", "第三次会议纪要")
    page.click("form[role=search] button")
    assert page.locator("table.documents tbody tr").count() == 1
    assert "J001-WS·2026-Y-ZH-0001" in page.inner_text("table.documents")
    browser.shot(page, "found-by-title")

    page.click("nav.tabs a:has-text('概况')")
    assert meter_value(page) == before + 1
    browser.shot(page, "overview-after")
    page.click("nav.tabs a:has-text('归档范围')")
    assert "区疫情防控工作指挥部第三次会议纪要" in page.inner_text("table.scope")
    browser.shot(page, "scope")


def test_check_in_from_schedule_to_statistics(app, live_server, browser, world):
    today = clock.local_today(app.config["TIMEZONE"])
    body = world["a"]
    liaison = browser.page()
    login(liaison, live_server.url, "liaison", PASSWORD)
    liaison.goto(f"{live_server.url}/bodies/{body.id}")
    liaison.click("nav.tabs >> text=指导")
    assert "建议下次指导" in liaison.content()
    assert liaison.input_value("input[name=date]")  # proposed from the cadence
    browser.shot(liaison, "schedule-form")

    liaison.fill("input[name=date]", today.isoformat())
    liaison.fill("input[name=time]", "00:05")
    liaison.select_option("select[name=mode]", "on_site")
    liaison.fill("input[name=place]", "区政府 3 号楼 302 会议室")
    liaison.click("button:has-text('安排')")
    assert "已安排" in liaison.content() and "区政府 3 号楼 302 会议室" in liaison.content()
    browser.shot(liaison, "scheduled")

    due = today + dt.timedelta(days=7)
    liaison.select_option("select[name=status]", "held")
    liaison.select_option("select[name=mode]", "on_site")
    liaison.fill("input[name=duration]", "90")
    liaison.fill("textarea[name=findings]", "3 月以来的会议纪要未归档")
    liaison.fill("input[name='follow_ups-0-action']", "补登 3 月以来的会议纪要")
    liaison.fill("input[name='follow_ups-0-owner']", "张文书")
    liaison.fill("input[name='follow_ups-0-due']", due.isoformat())
    browser.shot(liaison, "outcome-form")
    liaison.click("button:has-text('保存结果')")
    assert "已登记指导结果" in liaison.content()
    assert "补登 3 月以来的会议纪要" in liaison.content()
    browser.shot(liaison, "recorded")

    secretary = browser.page(viewport=PHONE)
    login(secretary, live_server.url, "secretary", PASSWORD)
    panel = secretary.locator(".follow-up-panel")
    assert "补登 3 月以来的会议纪要" in panel.inner_text()
    assert secretary.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    browser.shot(secretary, "secretary-home-phone")
    panel.locator("button:has-text('标记完成')").click()
    assert "已完成：补登 3 月以来的会议纪要" in secretary.content()
    assert secretary.locator(".follow-up-panel").count() == 0
    browser.shot(secretary, "secretary-ticked-phone")

    liaison.click("nav.nav >> text=指导工作台")
    assert "指导工作台" in liaison.content()
    browser.shot(liaison, "dashboard")
    liaison.click("nav.nav >> text=统计")
    assert liaison.inner_text("#tile-on-site .number") == "1"
    assert liaison.inner_text("#tile-online .number") == "0"
    browser.shot(liaison, "statistics")


def test_transfer_officer_dissolves_checks_commits_exports_and_downloads(app, live_server, browser, tmp_path):
    body, credentials = _prepare_epidemic_body(app)
    page = browser.page()
    login(page, live_server.url, "transfer", credentials["transfer"])
    page.goto(f"{live_server.url}/bodies/{body.id}")
    page.click("nav.tabs >> text=撤销与移交")
    browser.shot(page, "transfer-page-active")

    page.click("details.dissolve summary")
    page.fill("input[name=dissolved_on]", "2026-11-20")
    page.select_option("select[name=notice]", label=page.locator("select[name=notice] option",
                                                                 has_text="撤销文件").first.inner_text())
    page.click("button[name=dissolve]")
    page.wait_for_selector("#confirm-dissolution")
    assert "分类锁定" in page.content()
    page.click("button[name=confirm-dissolve]")
    page.wait_for_selector(".flash-success")
    assert "已进入撤销程序" in page.content()
    browser.shot(page, "dissolving")
    page.click("button[name=confirm]")
    assert "已确认撤销" in page.content()

    page.click("button[name=check]")
    assert "检测完成" in page.content() and "归档范围要求的“工作总结”尚无已登记的文件" in page.content()
    browser.shot(page, "check-report")
    page.click("li.finding-fail >> text=记录限时承诺")
    page.fill("input[name=promised_by]", "张文书（综合组）")
    page.fill("input[name=due]", (dt.date.today() + dt.timedelta(days=30)).isoformat())
    browser.shot(page, "commitment-form")
    page.click("button[name=commit]")
    assert "已记录限时承诺" in page.content() and "已作限时承诺" in page.content()

    page.goto(f"{live_server.url}/bodies/{body.id}/transfer")
    page.click("button[name=export]")
    browser.shot(page, "exporting")
    page.wait_for_selector("text=下载移交包", timeout=30_000)  # the page refreshes itself until done
    assert "已导出" in page.content()
    browser.shot(page, "exported")

    with page.expect_download() as download_info:
        page.click("text=下载移交包")
    download = download_info.value
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    assert saved.name.startswith("J001-YQFK-") and saved.suffix == ".zip"
    result = verify.verify(saved)
    assert result.valid, result.problems

    page.click("text=全宗介绍、组织沿革与大事记")
    page.fill("input[name=event-date]", "2026-11-20")
    page.fill("textarea[name=event-event]", "指挥部撤销，档案移交区卫生健康委员会。")
    page.click("form:has(input[value=event]) button.primary")
    assert "已添加大事记" in page.content() and "指挥部撤销" in page.content()
    browser.shot(page, "descriptions")
    page.click("nav.nav >> text=移交")
    assert body.name in page.content() and "校验收到的移交包" in page.content()
    browser.shot(page, "transfers-index")

    phone = browser.page(viewport=PHONE)
    login(phone, live_server.url, "transfer", credentials["transfer"])
    phone.goto(f"{live_server.url}/bodies/{body.id}/transfer")
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    browser.shot(phone, "transfer-page-phone")
    phone.goto(f"{live_server.url}/bodies/{body.id}/transfer/report")
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    browser.shot(phone, "report-phone")
