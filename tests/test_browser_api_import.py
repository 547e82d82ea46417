"""In Chromium: a secretary makes an API token for the approval system, reads the API page, and
brings in last year's spreadsheet catalogue with its scans (checked first, then imported)."""
import pytest
from playwright.sync_api import expect
from test_import import ROWS, csv_bytes, zip_of

from capture.models import ApiToken, Document
from capture.ops import samples

from browser_support import PHONE, login, submit
from conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_secretary_makes_a_token_and_imports_a_catalogue(app, world, live_server, browser, tmp_path):
    body = world["a"]
    page = browser.page()
    login(page, live_server.url, "secretary", PASSWORD)
    submit(page, "nav.nav a:has-text('接口令牌')")
    page.fill("input[name=label]", "行政审批系统归档接口")
    page.select_option("select[name=scopes]", "read write")
    submit(page, "form.token-form button.primary")
    raw = page.input_value("input.token-value")
    assert raw.startswith("cap_") and ApiToken.get().scopes == "read write"
    browser.shot(page, "token-created")

    answer = page.request.get(f"{live_server.url}/api/v1/bodies", headers={"Authorization": f"Bearer {raw}"})
    assert answer.status == 200 and answer.json()["items"][0]["code"] == "AAA"
    page.goto(live_server.url + "/account/tokens")
    expect(page.locator("table.tokens")).not_to_contain_text("从未使用")
    submit(page, "a:has-text('接口说明')")
    expect(page.locator("section.api-op")).to_have_count(15)
    browser.shot(page, "api-docs")

    table, archive = tmp_path / "2025年文件目录.csv", tmp_path / "扫描件.zip"
    table.write_bytes(csv_bytes(ROWS))
    archive.write_bytes(zip_of({"成立通知.pdf": samples.pdf("Founding"), "照片/隔离点.jpg": samples.jpeg()}))
    phone = browser.page(viewport=PHONE)
    login(phone, live_server.url, "secretary", PASSWORD)
    phone.goto(f"{live_server.url}/bodies/{body.id}/documents")
    submit(phone, "a:has-text('批量导入')")
    phone.set_input_files("input[name=table]", str(table))
    phone.set_input_files("input[name=files]", str(archive))
    browser.shot(phone, "import-form-phone")
    submit(phone, "button:has-text('上传并检查')")
    # The check runs in the background; its page refreshes itself until the report is there.
    expect(phone.locator("h2", has_text="检查通过：可以导入 3 件")).to_be_visible(timeout=30_000)
    assert Document.select().count() == 0
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    browser.shot(phone, "import-checked-phone")
    submit(phone, "button:has-text('确认导入 3 件')")
    expect(phone.locator("h2", has_text="已导入 3 件")).to_be_visible(timeout=30_000)
    browser.shot(phone, "import-done-phone")
    assert Document.select().count() == 3

    page.goto(f"{live_server.url}/bodies/{body.id}/documents")
    expect(page.locator("table.documents tbody tr")).to_have_count(3)
    browser.shot(page, "documents-after-import")
