"""In Chromium: the register form keeps chosen files on errors, fits a phone, works without JavaScript."""
import pytest
from playwright.sync_api import expect

from capture.ops import samples

from browser_support import PHONE, login, see
from conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_register_form_with_errors_keeps_the_chosen_files(app, world, live_server, browser):
    page = browser.page()
    login(page, live_server.url, "secretary", PASSWORD)
    page.goto(f"{live_server.url}/bodies/{world['a'].id}/documents/new")
    page.set_input_files("#files", [{"name": "简报.pdf", "mimeType": "application/pdf",
                                     "buffer": samples.pdf("Brief")}])
    page.click("button.primary")  # no title yet
    page.wait_for_selector(".field.has-error")
    see(page, "请填写题名")
    expect(page.locator("[data-file-list] li")).to_have_count(1)
    picked = page.locator("[data-file-list] li span").inner_text()  # "简报.pdf · 1.3 KB", by upload.js
    browser.shot(page, "form-with-errors")
    page.fill("textarea[name=title]", "疫情防控工作简报（第3期）")
    page.fill("input[name=responsible]", "区疫情防控工作指挥部")
    page.click("button.primary")
    page.wait_for_selector(".reference-code")
    see(page, "简报.pdf")
    shown = page.locator(".file-rows .meta span").first.inner_text()
    assert picked.endswith(" · " + shown) and ("字节" in shown or "KB" in shown)  # one way, one number
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
    see(page, "核酸检测点调整.pdf")
    browser.shot(page, "registered-without-javascript")
