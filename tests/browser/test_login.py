import pytest

from tests.browser.conftest import PHONE, login, screenshot
from tests.conftest import LIVE_PROCESSES

pytestmark = [pytest.mark.django_db(transaction=True), *LIVE_PROCESSES]


def test_a_commune_official_logs_in_on_a_phone_and_sees_their_name_and_role(new_page, commune_official_a1):
    page = new_page(viewport=PHONE)
    login(page, "official_a1")
    assert "Cán bộ xã" in page.locator("header").inner_text()
    screenshot(page, "home-phone-commune-official")


def test_a_wrong_password_is_refused_in_plain_vietnamese(new_page, commune_official_a1):
    page = new_page()
    login(page, "official_a1", "sai-mat-khau")
    assert "Tên đăng nhập hoặc mật khẩu không đúng" in page.content()
