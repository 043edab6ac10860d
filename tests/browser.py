"""Debian's chromium driven by Playwright (sync API) for the browser journeys.

One browser per test module, a fresh context (cookies, language, window size) per journey. Every
page's JavaScript errors and failed requests are collected, and a journey fails on any of them.
Playwright never downloads a browser here: it is pointed at /usr/bin/chromium.
"""

import os
from pathlib import Path

import pytest
from playwright.sync_api import Page, sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SCREENSHOTS = Path(__file__).resolve().parent.parent / "artifacts" / "screenshots"
PASSWORD = "mat-khau-thu-nghiem"  # tests.conftest.make_user's password
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 740}


@pytest.fixture(scope="module")
def browser():
    # Playwright's sync API keeps an event loop in this thread; Django would take the ORM calls
    # of the test (and pytest-django's flush) for calls from async code.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


class Browsing:
    """Opens pages on the live server and remembers every error they raise."""

    def __init__(self, browser, base_url: str):
        self.browser = browser
        self.base_url = base_url
        self.errors: list[str] = []
        self.contexts = []

    def new_page(self, viewport: dict = DESKTOP) -> Page:
        context = self.browser.new_context(base_url=self.base_url, viewport=viewport, accept_downloads=True,
                                           locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh")
        context.set_default_timeout(10_000)
        self.contexts.append(context)
        page = context.new_page()
        page.on("console", lambda message: self._console(page, message))
        page.on("pageerror", lambda error: self.errors.append(f"{page.url}: {error}"))
        page.on("requestfailed", lambda request: self._failed(request))
        page.on("response", lambda response: self._response(response))
        return page

    def _console(self, page: Page, message) -> None:
        if message.type == "error":
            self.errors.append(f"{page.url}: console: {message.text}")

    def _failed(self, request) -> None:
        # A download ends its request with "net::ERR_ABORTED" in the page: that is not an error.
        if request.failure != "net::ERR_ABORTED":
            self.errors.append(f"{request.url}: {request.failure}")

    def _response(self, response) -> None:
        if response.status >= 500 or (response.status == 404 and "/static/" in response.url):
            self.errors.append(f"{response.url}: HTTP {response.status}")

    def close(self) -> None:
        for context in self.contexts:
            context.close()


@pytest.fixture
def browsing(browser, live_server):
    session = Browsing(browser, live_server.url)
    yield session
    session.close()
    assert not session.errors, "\n".join(session.errors)


def log_in(page: Page, username: str, password: str = PASSWORD) -> None:
    """Through the login form, as a person would, then the second factor when the account has or
    needs one: the code of the person's authenticator app (computed here from the device's key),
    or, the first time, the enrolment page and its recovery codes."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tests.conftest import totp_code

    page.goto("/dang-nhap/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("form button[type=submit]")
    page.wait_for_url(lambda url: "/dang-nhap/" not in url)
    if "/xac-thuc/" not in page.url:
        return
    enrolling = "/xac-thuc/thiet-lap/" in page.url
    device = TOTPDevice.objects.filter(user__username=username, confirmed=not enrolling).latest("pk")
    page.fill("#id_token", totp_code(device))
    page.click("main form:has(#id_token) button[type=submit]")
    if enrolling:
        page.wait_for_url("**/xac-thuc/ma-khoi-phuc/**")
        assert page.locator(".recovery-codes li").count() == 10
        page.click("#recovery-done")
    page.wait_for_url(lambda url: "/xac-thuc/" not in url)


def log_out(page: Page) -> None:
    page.locator("header form[action$='/dang-xuat/'] button").click()
    page.wait_for_url("**/dang-nhap/")


def screenshot(page: Page, name: str, full_page: bool = True) -> Path:
    page.wait_for_load_state("load")  # plotly.js and the charts below it, not only the heading
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


def overflow(page: Page) -> int:
    """How many CSS pixels the page is wider than the window (0 when nothing sticks out)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def plot_data(page: Page, selector: str = ".chart .plotly-graph-div") -> list[dict]:
    """The traces plotly.js actually drew (its _fullData), once the plot has rendered."""
    page.wait_for_function(
        "s => { const d = document.querySelector(s); return d && d._fullData && d._fullData.length"
        " && d.querySelector('svg.main-svg'); }",
        arg=selector,
    )
    return page.evaluate(
        "s => document.querySelector(s)._fullData.map(t => ({type: t.type, name: t.name, x: Array.from(t.x || []),"
        " y: Array.from(t.y || []), customdata: Array.from(t.customdata || []), visible: t.visible}))",
        selector,
    )


def save_download(download, folder: Path) -> Path:
    """The downloaded file under the name the server gave it (Playwright keeps it under a bare id)."""
    path = Path(folder) / download.suggested_filename
    download.save_as(path)
    return path


WIDE_ELEMENTS = """() => {
  // Elements that stick out of the window and are not inside a container that scrolls or clips them.
  const width = window.innerWidth, out = [];
  for (const el of document.body.querySelectorAll('*')) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.right <= width + 1) continue;
    let parent = el.parentElement, contained = false;
    while (parent && parent !== document.body) {
      if (/(auto|scroll|hidden)/.test(getComputedStyle(parent).overflowX) && parent.getBoundingClientRect().right <= width + 1) {
        contained = true; break;
      }
      parent = parent.parentElement;
    }
    if (!contained) out.push(`${el.tagName.toLowerCase()}.${String(el.className).trim().replace(/ +/g, '.')} → ${Math.round(box.right)}px`);
  }
  return out.slice(0, 8);
}"""


def wide_elements(page: Page) -> list[str]:
    """What makes a page wider than the window, for the failure message."""
    return page.evaluate(WIDE_ELEMENTS)
