"""A live server in a thread and a real headless Chromium (Debian's) driven by Playwright."""
import threading
from pathlib import Path

from playwright.sync_api import expect
from werkzeug.serving import make_server

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic", "--lang=zh-CN"]
# What the user waits for may take a while on a busy 2-core machine (an upload, an export):
# expect() waits as long as any other step (Playwright's own default is 5 s).
TIMEOUT_MS = 20_000
expect.set_options(timeout=TIMEOUT_MS)
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


class LiveServer:
    """Serve `app` on a free loopback port until stop()."""

    def __init__(self, app):
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()


class Browser:
    """One Chromium for a test; collects console errors (CSP violations included)."""

    def __init__(self, playwright, out_dir):
        self.browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                                  args=CHROMIUM_ARGS)
        self.out_dir = Path(out_dir)
        self.out_dir.mkdir(parents=True, exist_ok=True)
        self.console_errors = []
        self.shots = []

    def page(self, viewport=DESKTOP, **context_args):
        """A new page in its own context (own cookies)."""
        context = self.browser.new_context(viewport=viewport, locale="zh-CN", **context_args)
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        page.on("console", lambda m: m.type == "error" and self.console_errors.append(m.text))
        page.on("pageerror", lambda e: self.console_errors.append(str(e)))
        return page

    def shot(self, page, name):
        """Save a full-page screenshot under the test's output folder."""
        path = self.out_dir / f"{len(self.shots) + 1:02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        self.shots.append(path)
        return path

    def close(self):
        self.browser.close()


def login(page, base_url, username, password):
    """Log in through the real form."""
    page.goto(base_url + "/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    submit(page, "button.primary")


def submit(page, selector):
    """Click what leads to a new page and wait until that page has loaded (never read mid-navigation)."""
    with page.expect_navigation():
        page.click(selector)


def see(page, *texts):
    """Wait until the page shows every text (what the user waits for), then go on."""
    for text in texts:
        expect(page.locator("body")).to_contain_text(text)
