"""Playwright with Debian's chromium against pytest-django's live_server.

Without chromium these tests are skipped with a message saying how to enable them.
Screenshots go to artifacts/screenshots/ (git-ignored) as test artifacts.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]


@pytest.fixture(scope="session", autouse=True)
def _media_url_for_live_server() -> Iterator[None]:
    # The live server wraps the site in a media-files handler that parses MEDIA_URL, which is
    # None here on purpose (attachments are served only through a checked view). Before it starts:
    from django.conf import settings

    original = settings.MEDIA_URL
    settings.MEDIA_URL = "/live-server-media-unused/"
    yield
    settings.MEDIA_URL = original


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not os.path.exists(CHROMIUM):
        pytest.skip("browser tests need Debian's chromium: run `apt-get install -y chromium` to enable them")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("browser tests need the playwright package: pip install -e '.[dev]'")
    # Playwright's sync API runs an event loop in this thread; Django's ORM calls from the test
    # itself (set-up and checks) are still synchronous and safe here.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1000, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def shot(page: Any, name: str) -> Path:
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def tab_to(page: Any, selector: str, limit: int = 30) -> None:
    """Press Tab until the element matching `selector` has the focus (keyboard only, no clicks)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement && document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


@pytest.fixture(autouse=True)
def _purge_audit_after(transactional_db: Any) -> Iterator[None]:
    yield
    from tests.audit.dbtools import purge_audit_tables

    purge_audit_tables()  # the flush after a transactional test refuses a non-empty audit log
