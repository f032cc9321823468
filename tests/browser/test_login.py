import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, login, screenshot
from tests.conftest import LIVE_PROCESSES

pytestmark = [pytest.mark.django_db(transaction=True), *LIVE_PROCESSES]


def test_a_commune_official_logs_in_on_a_phone_and_sees_their_name_and_role(new_page, commune_official_a1):
    page = new_page(viewport=PHONE)
    login(page, "official_a1")
    page.get_by_role("button", name="Menu").click()  # the phone's header is one line until opened
    page.locator("details.nav-user > summary").click()
    assert "official_a1" in page.locator("header").inner_text()
    assert "Cán bộ xã" in page.locator("header").inner_text()
    screenshot(page, "home-phone-commune-official")


def test_a_wrong_password_is_refused_in_plain_vietnamese(new_page, commune_official_a1):
    page = new_page()
    login(page, "official_a1", "sai-mat-khau")
    assert "Tên đăng nhập hoặc mật khẩu không đúng" in page.content()


def test_five_wrong_passwords_show_the_lockout_on_the_login_page(new_page, commune_official_a1):
    page = new_page()
    for _ in range(5):
        login(page, "official_a1", "sai-mat-khau")
    login(page, "official_a1")

    assert "Tài khoản này tạm thời bị khóa" in page.locator("[role=alert]").inner_text()
    assert page.get_by_label("Mật khẩu").is_visible()  # the login page, not a bare error
    screenshot(page, "login-locked-out")


def test_a_new_token_is_shown_once_with_a_copy_button_that_copies_it(new_page, commune_official_a1):
    page = new_page()
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    login(page, "official_a1")
    page.goto("/account/api-token/")
    page.get_by_label("Tên khóa (khóa dùng cho việc gì)").fill("Bảng điều khiển huyện")
    page.get_by_role("button", name="Tạo khóa").click()

    key = page.locator("#api-token-key").inner_text()
    page.get_by_role("button", name="Sao chép").click()

    expect(page.get_by_role("button", name="Đã sao chép")).to_be_visible()  # the clipboard answers asynchronously
    assert page.evaluate("navigator.clipboard.readText()") == key
    screenshot(page, "api-token-new")
    page.reload()
    assert page.locator("#api-token-key").count() == 0  # shown once
    assert "Bảng điều khiển huyện" in page.locator("table").inner_text()
