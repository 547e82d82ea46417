"""In Chromium: every page, as the admin and at phone width, loads without a CSP violation or a
script error, and nothing overflows the phone's width."""
import pytest

from capture.db import db
from capture.models import CheckIn, Document
from capture.ops import demo

from browser_support import PHONE, login

pytestmark = pytest.mark.browser

# Endpoints that answer with a file, not a page.
DOWNLOADS = ("download", "_file", "_xlsx", "feed", "register", "static", "openapi", "filing_plan")


def _pages(app):
    """A URL for every GET page, filled from the demo data."""
    document = Document.select().join(Document.body.rel_model).where(Document.body == 1).first()
    checkin = CheckIn.select().first()
    values = {"body_id": document.body_id, "document_id": document.id, "checkin_id": checkin.id}
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or any(word in rule.endpoint for word in DOWNLOADS):
            continue
        if not set(rule.arguments) <= set(values):
            continue
        urls.append(rule.build({k: values[k] for k in rule.arguments}, append_unknown=False)[1])
    return sorted(set(urls))


def test_every_page_holds_the_csp_at_phone_width(app, live_server, browser):
    with db.connection_context():
        credentials = {u: p for _, u, p in demo.load(app.config["DATA_DIR"])}
        urls = _pages(app)
    assert len(urls) > 20
    page = browser.page(viewport=PHONE)
    login(page, live_server.url, "admin", credentials["admin"])
    too_wide = []
    for url in urls:
        response = page.goto(live_server.url + url)
        assert response.status < 500, url
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE["width"] + 1:
            too_wide.append(f"{url}: {width}px")
    # A 403/404 page is a page too (the admin may not register documents); it must hold the CSP.
    errors = [e for e in browser.console_errors if not e.startswith("Failed to load resource")]
    assert not errors, errors
    assert not too_wide, f"pages wider than a phone: {too_wide}"
