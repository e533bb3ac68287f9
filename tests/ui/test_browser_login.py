"""The chat with tokens in headless Chromium: log in with the token, ask; readers see no uploads.

Screenshots go to ``artifacts/`` (not committed) so a failing run can be looked at.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from browser_setup import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, TIMEOUT_MS
from served_tokens import EDITOR_TOKEN, READER_TOKEN

from qa import Assistant

pytestmark = [
    pytest.mark.browser,
    pytest.mark.filterwarnings("ignore::Warning:gradio.queueing"),
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Chromium, one fresh context (its own cookies) per login."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed (CI installs Debian's chromium package)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


def _log_in(browser: Any, url: str, username: str, password: str) -> Any:
    page = browser.new_context(viewport={"width": 1280, "height": 960}).new_page()
    page.set_default_timeout(TIMEOUT_MS)
    # Not "networkidle": the chat keeps a connection to the server open.
    page.goto(url, wait_until="domcontentloaded")
    page.locator("input[type=password]").wait_for(state="visible")
    page.locator("input[data-testid=textbox]").fill(username)
    page.locator("input[type=password]").fill(password)
    page.get_by_role("button", name="Login").click()
    page.locator("#qa-question textarea").wait_for(state="visible")
    return page


def _screenshot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name))


def test_the_chat_asks_for_the_token_first(
    browser: Any, token_server: tuple[str, Assistant]
) -> None:
    from playwright.sync_api import expect

    url, _ = token_server
    page = browser.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(url, wait_until="domcontentloaded")
    page.locator("input[type=password]").wait_for(state="visible")
    expect(page.get_by_text("the team's token as the password")).to_be_visible()
    expect(page.locator("#qa-question")).to_have_count(0)
    page.locator("input[data-testid=textbox]").fill("amira")
    page.locator("input[type=password]").fill("not-the-token-0123456789")
    page.get_by_role("button", name="Login").click()
    expect(page.get_by_text("Incorrect Credentials", exact=False)).to_be_visible()
    expect(page.locator("#qa-question")).to_have_count(0)
    page.close()


def test_a_reader_logs_in_with_the_token_and_asks(
    browser: Any, token_server: tuple[str, Assistant]
) -> None:
    from playwright.sync_api import expect

    url, _ = token_server
    page = _log_in(browser, url, "amira", READER_TOKEN)
    expect(page.locator("#qa-access")).to_contain_text("Logged in as amira: you may ask questions")
    box = page.locator("#qa-question textarea")
    box.fill("When does GSOMIA expire?")
    box.press("Enter")
    expect(page.locator("#qa-chat mark").first).to_have_text("this Saturday")
    # A reader is not offered what a reader may not do.
    expect(page.locator("#qa-upload")).to_be_hidden()
    expect(page.locator("#qa-remove")).to_be_hidden()
    _screenshot(page, "chat-reader.png")
    page.close()


def test_an_editor_sees_the_upload_panel(browser: Any, token_server: tuple[str, Assistant]) -> None:
    from playwright.sync_api import expect

    url, _ = token_server
    page = _log_in(browser, url, "editor", EDITOR_TOKEN)
    expect(page.locator("#qa-access")).to_contain_text("you may ask, add and remove articles")
    expect(page.locator("#qa-upload")).to_be_visible()
    expect(page.locator("#qa-remove")).to_be_visible()
    page.close()
