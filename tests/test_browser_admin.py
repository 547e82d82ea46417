"""In Chromium: the demo admin logs in, creates a body, switches language, logs out."""
import pytest

from capture.db import db
from capture.ops import demo

from browser_support import PHONE, login, see, submit

pytestmark = pytest.mark.browser


def test_admin_creates_body_switches_language_and_logs_out(app, live_server, browser):
    with db.connection_context():
        credentials = {u: p for _, u, p in demo.load(app.config["DATA_DIR"])}
    page = browser.page()
    login(page, live_server.url, "admin", credentials["admin"])
    see(page, "您好")
    browser.shot(page, "home")

    submit(page, "nav.nav a[href='/bodies']")
    submit(page, "text=登记临时机构")
    submit(page, "main a:has-text('重大活动')")  # the kind first: its playbook fills the form
    page.fill("input[name=name]", "区进博会城市保障工作组")
    page.fill("input[name=code]", "JBH")
    page.fill("input[name=fonds_code]", "J009")
    page.select_option("select[name=kind]", "event")
    page.select_option("select[name=tier]", "key")
    page.fill("input[name=established_on]", "2026-09-01")
    page.fill("input[name=expected_end]", "2026-08-01")  # before the start: refused
    submit(page, "button.primary")
    see(page, "预计撤销日期不能早于成立日期")
    assert page.input_value("input[name=name]") == "区进博会城市保障工作组"  # kept
    browser.shot(page, "body-form-error")
    page.fill("input[name=expected_end]", "2026-12-31")
    submit(page, "button.primary")
    see(page, "已登记临时机构", "区进博会城市保障工作组")
    browser.shot(page, "body-created")

    submit(page, "button:has-text('English')")
    see(page, "Overview", "Log out")
    browser.shot(page, "english")

    submit(page, "button:has-text('Log out')")
    page.wait_for_url("**/login*")
    browser.shot(page, "logged-out")
    page.goto(live_server.url + "/bodies")
    page.wait_for_url("**/login*")  # really logged out


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
    page.goto(live_server.url + "/bodies/new?kind=flood")
    page.fill("input[name=name]", "区防台风应急工作组")
    page.fill("input[name=code]", "FTF")
    page.context.clear_cookies()  # the session expires while the form is being filled
    submit(page, "button.primary")
    see(page, "表单已过期")
    browser.shot(page, "session-expired")
    login(page, live_server.url, "admin", credentials["admin"])
    page.goto(live_server.url + "/bodies/new?kind=flood")
    assert page.input_value("input[name=name]") == "区防台风应急工作组"
    see(page, "已恢复您在本页未提交的内容")
    browser.shot(page, "draft-restored")
