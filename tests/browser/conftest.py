"""Browser tests: a real Chromium (Debian's package) driven by Playwright against pytest-django's live server.

Screenshots go to var/screenshots/ so that a person can look at what each test saw.
"""

import os
import re
import shutil
from pathlib import Path

import pytest
from django.conf import settings

from tests.conftest import skip_unless_configured

SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"  # one folder, whichever pytest-xdist worker took the test
PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}
PASSWORD = "mat-khau-thu"  # tests/ntm_portal/factories.UserFactory's

# Playwright's sync API runs an event loop in the test's thread; Django's ORM, called by fixtures in the same
# thread, would refuse to run inside it without this.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        skip_unless_configured("no Chromium: apt-get install chromium")
    return path


@pytest.fixture(scope="session")
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path,
            # The machines have no network: keep Chromium from trying to reach Google's services at start.
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser, live_server):
    """new_page(viewport=PHONE) -> a page in a fresh context (own cookies) whose base URL is the live server."""
    contexts = []

    def make(viewport=DESKTOP, locale="vi-VN"):
        context = browser.new_context(viewport=viewport, base_url=live_server.url, locale=locale)
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def login(page, username: str, password: str = PASSWORD) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(password)
    # Until the answer has loaded (the start page, or the form again with its error): no page fetches anything after
    # its load, so there is no network to wait out (networkidle's fixed half-second, some fifty times a run).
    with page.expect_navigation():
        page.get_by_role("button", name="Đăng nhập").click()


def nav_link(page, name: str):
    """The navigation's link by its words; a queue's link may carry the count of waiting communes after them. A link
    under "Thêm" or the user's name is shown first by opening its dropdown (on a phone, the menu first)."""
    words = re.compile(rf"^{re.escape(name)}( \d+)?$")
    toggle = page.locator("[data-menu-toggle]")
    if toggle.is_visible() and toggle.get_attribute("aria-expanded") != "true":
        toggle.click()
    folded = page.get_by_role("link", name=words, include_hidden=True)  # a closed dropdown hides it from roles
    group = page.locator("header details[data-nav-group]:not([open])").filter(has=folded)
    if group.count():
        group.locator("summary").click()
    return page.locator("header nav").get_by_role("link", name=words)


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.fixture(scope="session")
def english_messages():
    """The English catalogue compiled (`make` does it; a bare checkout may have only the .po)."""
    mo = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES" / "django.mo"
    if not mo.exists():
        from django.core.management import call_command

        call_command("compilemessages", locale=["en"], ignore_patterns=[".venv"], verbosity=0)
    return mo
