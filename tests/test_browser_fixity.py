"""In Chromium at phone width: the administrator starts a full fixity pass, its page refreshes
itself until the pass is done, and a damaged file's 档号 leads to its document."""
import pytest
from playwright.sync_api import expect

from browser_support import PHONE, login, submit
from conftest import PASSWORD
from test_fixity import damage, register

pytestmark = pytest.mark.browser


def test_admin_runs_a_full_fixity_pass_and_follows_a_damaged_file_to_its_document(app, world, live_server, browser):
    register(app, world, b"intact minutes", 1)
    damaged = register(app, world, b"minutes that will rot", 2)
    damage(app, damaged)
    phone = browser.page(viewport=PHONE)
    login(phone, live_server.url, "admin", PASSWORD)
    phone.goto(live_server.url + "/admin/users")
    submit(phone, "a:has-text('文件完整性检查')")
    submit(phone, "button:has-text('检查全部文件')")
    # The worker of the live server does the pass; the page refreshes itself until it is done.
    expect(phone.locator("p.verdict")).to_contain_text("发现 1 个文件损坏、0 个文件缺失", timeout=30_000)
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    browser.shot(phone, "fixity-done-phone")
    submit(phone, "a:has-text('J001-WS·2026-D30-ZH-0002')")
    expect(phone.locator("body")).to_contain_text("会议纪要")
    errors = [e for e in browser.console_errors if not e.startswith("Failed to load resource")]
    assert not errors, errors
