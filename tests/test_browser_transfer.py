"""In Chromium: the transfer officer dissolves a demo body, checks it, records a commitment, exports, downloads."""
import datetime as dt

import pytest

from browser_support import PHONE, login
from capture import demo, verify
from capture.db import db
from capture.models import Body, Document, ScopeItem, User
from transfer_support import complete_body

pytestmark = pytest.mark.browser


def _prepare_epidemic_body(app):
    """YQFK with every scope entry filed but the work summary, so the check fails exactly there."""
    with db.connection_context():
        credentials = {u: p for _, u, p in demo.load(app.config["DATA_DIR"])}
        body = Body.get(Body.code == "YQFK")
        complete_body(app.extensions["store"], body, User.get(User.username == "secretary"))
        summary = ScopeItem.get(ScopeItem.body == body, ScopeItem.name == "工作总结")
        Document.update(scope_item=None).where(Document.scope_item == summary).execute()
    return body, credentials


def test_transfer_officer_dissolves_checks_commits_exports_and_downloads(app, live_server, browser, tmp_path):
    body, credentials = _prepare_epidemic_body(app)
    page = browser.page()
    login(page, live_server.url, "transfer", credentials["transfer"])
    page.goto(f"{live_server.url}/bodies/{body.id}")
    page.click("nav.tabs >> text=撤销与移交")
    browser.shot(page, "transfer-page-active")

    page.fill("input[name=dissolved_on]", "2026-11-20")
    page.select_option("select[name=notice]", label=page.locator("select[name=notice] option",
                                                                 has_text="撤销文件").first.inner_text())
    page.click("button[name=dissolve]")
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
