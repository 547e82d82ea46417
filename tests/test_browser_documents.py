"""In Chromium: a secretary registers a document with two files, finds it, sees completeness rise."""
import pytest

from browser_support import PHONE, login
from capture import samples
from capture.models import Document, File
from conftest import PASSWORD

pytestmark = pytest.mark.browser


def meter_value(page):
    return float(page.get_attribute(".completeness meter", "value"))


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


def test_register_form_with_errors_keeps_the_chosen_files(app, world, live_server, browser):
    page = browser.page()
    login(page, live_server.url, "secretary", PASSWORD)
    page.goto(f"{live_server.url}/bodies/{world['a'].id}/documents/new")
    page.set_input_files("#files", [{"name": "简报.pdf", "mimeType": "application/pdf",
                                     "buffer": samples.pdf("Brief")}])
    page.click("button.primary")  # no title yet
    page.wait_for_selector(".field.has-error")
    assert "请填写题名" in page.content()
    assert page.locator("[data-file-list] li").count() == 1
    browser.shot(page, "form-with-errors")
    page.fill("textarea[name=title]", "疫情防控工作简报（第3期）")
    page.fill("input[name=responsible]", "区疫情防控工作指挥部")
    page.click("button.primary")
    page.wait_for_selector(".reference-code")
    assert "简报.pdf" in page.content()
    browser.shot(page, "registered-after-correction")


def test_register_form_fits_a_phone(app, world, live_server, browser):
    page = browser.page(viewport=PHONE)
    login(page, live_server.url, "secretary", PASSWORD)
    page.goto(f"{live_server.url}/bodies/{world['a'].id}/documents/new")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert page.get_attribute("input[capture]", "accept") == "image/*,video/*"
    browser.shot(page, "register-form-phone")


def test_register_form_works_without_javascript(app, world, live_server, browser):
    page = browser.page(java_script_enabled=False)
    login(page, live_server.url, "secretary", PASSWORD)
    page.goto(f"{live_server.url}/bodies/{world['a'].id}/documents/new")
    assert page.is_hidden("[data-drop-hint]") and page.is_hidden("[data-progress]")
    page.fill("textarea[name=title]", "关于调整核酸检测点的通知")
    page.fill("input[name=responsible]", "区疫情防控工作指挥部")
    page.set_input_files("#files", [{"name": "核酸检测点调整.pdf", "mimeType": "application/pdf",
                                     "buffer": samples.pdf("Test sites")}])
    page.click("button.primary")
    page.wait_for_selector(".reference-code")
    assert "核酸检测点调整.pdf" in page.content()
    browser.shot(page, "registered-without-javascript")
