"""The chat page in headless Chromium: ask, see the marked answer, follow up, upload, clear.

Screenshots go to ``artifacts/`` (not committed) so a failing run can be looked at.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser_setup import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, TIMEOUT_MS

pytestmark = [
    pytest.mark.browser,
    pytest.mark.filterwarnings("ignore::Warning:gradio.queueing"),
]

GSOMIA = "When does GSOMIA expire?"
EXPECTED = "this Saturday"


@pytest.fixture(scope="module")
def page(server_url: str) -> Iterator[Any]:
    """A fresh page of the chat in headless Chromium."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed (CI installs Debian's chromium package)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 960})
            page.set_default_timeout(TIMEOUT_MS)
            # Not "networkidle": the page keeps a connection to the server open.
            page.goto(server_url, wait_until="domcontentloaded")
            page.locator("#qa-question textarea").wait_for(state="visible")
            yield page
        finally:
            browser.close()


def _screenshot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name))


def test_question_gets_a_marked_answer(page: Any) -> None:
    from playwright.sync_api import expect

    box = page.locator("#qa-question textarea")
    box.fill(GSOMIA)
    box.press("Enter")
    mark = page.locator("#qa-chat mark").first
    expect(mark).to_have_text(EXPECTED)
    chat = page.locator("#qa-chat")
    expect(chat).to_contain_text(f"{EXPECTED} — confidence")
    expect(chat).to_contain_text("New optimistic signal for US-North Korea dialogue")
    # The other passages are collapsed: present, but closed.
    details = chat.locator("details").first
    expect(details).to_be_attached()
    assert details.get_attribute("open") is None
    expect(box).to_have_value("")
    _screenshot(page, "chat.png")


def test_followup_uses_the_previous_question(page: Any) -> None:
    from playwright.sync_api import expect

    box = page.locator("#qa-question textarea")
    box.fill("Which countries are party to it?")
    box.press("Enter")
    expect(page.locator("#qa-chat")).to_contain_text(
        "Understood as: Which countries are party to GSOMIA?"
    )
    _screenshot(page, "chat-followup.png")


def test_refused_upload_is_explained(page: Any, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    bad = tmp_path / "scan.pdf"
    bad.write_bytes(b"%PDF-1.4 not an article")
    page.locator("#qa-upload input[type=file]").set_input_files(str(bad))
    status = page.locator("#qa-upload-status")
    expect(status).to_contain_text("scan.pdf — not an article file")
    expect(page.locator("#qa-corpus")).to_contain_text("1 article")
    _screenshot(page, "upload.png")


def test_clear_empties_the_chat(page: Any) -> None:
    from playwright.sync_api import expect

    page.locator("#qa-clear").click()
    expect(page.locator("#qa-chat mark")).to_have_count(0)


def test_example_click_asks_it(page: Any, real_assistant: Any) -> None:
    from playwright.sync_api import expect

    from qa.suggest import suggest_questions

    # The examples are drawn from the served corpus; the first is the one the page shows.
    example = suggest_questions(real_assistant, 3)[0]
    # Gradio cuts a long example short on its button ("Who gave this ... ..."): find it by
    # its opening words.
    page.get_by_text(example[:30]).first.click()
    chat = page.locator("#qa-chat")
    expect(chat.get_by_text(example, exact=True)).to_be_visible()
    expect(chat.locator(".qa-card").first).to_be_visible()
    page.locator("#qa-clear").click()
    expect(chat.locator(".qa-card")).to_have_count(0)
