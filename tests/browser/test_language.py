"""The language in Chromium (issue 19): a browser set to English still gets the portal in Vietnamese; the user's
choice of English is remembered from page to page; the selector names each language in itself."""

import pytest
from playwright.sync_api import expect

from tests.conftest import LIVE_PROCESSES

pytestmark = [pytest.mark.django_db(transaction=True), *LIVE_PROCESSES]


def test_an_english_browser_gets_vietnamese_until_its_user_chooses_english(new_page, english_messages):
    page = new_page(locale="en-US")
    page.goto("/accounts/login/")

    expect(page.locator("html")).to_have_attribute("lang", "vi")
    expect(page.get_by_role("heading", name="Đăng nhập")).to_be_visible()
    selector = page.get_by_label("Ngôn ngữ")
    assert selector.locator("option").all_inner_texts() == ["Tiếng Việt", "English"]

    selector.select_option("en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.goto("/accounts/login/")  # the next page, in the same browser: the choice holds

    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert page.get_by_label("Language").locator("option").all_inner_texts() == ["Tiếng Việt", "English"]
