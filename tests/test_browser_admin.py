"""In Chromium: the demo admin logs in, creates a body, switches language, logs out."""
import pytest

from capture.db import db
from capture.ops import demo

from browser_support import PHONE, login

pytestmark = pytest.mark.browser


def test_admin_creates_body_switches_language_and_logs_out(app, live_server, browser):
    with db.connection_context():
        credentials = {u: p for _, u, p in demo.load(app.config["DATA_DIR"])}
    page = browser.page()
    login(page, live_server.url, "admin", credentials["admin"])
    assert "您好" in page.content()
    browser.shot(page, "home")

    page.click("nav.nav a[href='/bodies']")
    page.click("text=登记临时机构")
    page.fill("input[name=name]", "区进博会城市保障工作组")
    page.fill("input[name=code]", "JBH")
    page.fill("input[name=fonds_code]", "J009")
    page.select_option("select[name=kind]", "event")
    page.select_option("select[name=tier]", "key")
    page.fill("input[name=established_on]", "2026-09-01")
    page.fill("input[name=expected_end]", "2026-08-01")  # before the start: refused
    page.click("button.primary")
    assert "预计撤销日期不能早于成立日期" in page.content()
    assert page.input_value("input[name=name]") == "区进博会城市保障工作组"  # kept
    browser.shot(page, "body-form-error")
    page.fill("input[name=expected_end]", "2026-12-31")
    page.click("button.primary")
    assert "已登记临时机构" in page.content() and "区进博会城市保障工作组" in page.content()
    browser.shot(page, "body-created")

    page.click("button:has-text('English')")
    assert "Overview" in page.content() and "Log out" in page.content()
    browser.shot(page, "english")

    page.click("button:has-text('Log out')")
    assert "/login" in page.url
    browser.shot(page, "logged-out")
    page.goto(live_server.url + "/bodies")
    assert "/login" in page.url  # really logged out


def test_login_page_fits_a_phone(app, live_server, browser):
    page = browser.page(viewport=PHONE)
    page.goto(live_server.url + "/login")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"]
    browser.shot(page, "login-phone")


def test_typed_body_form_survives_an_expired_session(app, live_server, browser):
    with db.connection_context():
        credentials = {u: p for _, u, p in demo.load(app.config["DATA_DIR"])}
    page = browser.page()
    login(page, live_server.url, "admin", credentials["admin"])
    page.goto(live_server.url + "/bodies/new")
    page.fill("input[name=name]", "区防台风应急工作组")
    page.fill("input[name=code]", "FTF")
    page.context.clear_cookies()  # the session expires while the form is being filled
    page.click("button.primary")
    assert "表单已过期" in page.content()
    browser.shot(page, "session-expired")
    login(page, live_server.url, "admin", credentials["admin"])
    page.goto(live_server.url + "/bodies/new")
    assert page.input_value("input[name=name]") == "区防台风应急工作组"
    assert "已恢复您在本页未提交的内容" in page.content()
    browser.shot(page, "draft-restored")
