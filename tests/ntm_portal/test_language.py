"""The portal speaks Vietnamese unless its user chooses English (issue 19): the browser's language does not decide,
the choice is remembered, and each language is named in itself."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

ENGLISH_BROWSER = {"HTTP_ACCEPT_LANGUAGE": "en-US,en;q=0.9"}


def test_a_browser_set_to_english_gets_the_portal_in_vietnamese(client):
    page = client.get(reverse("login"), **ENGLISH_BROWSER)

    assert '<html lang="vi">' in page.content.decode()
    assert "Đăng nhập" in page.content.decode()


def test_the_language_chosen_is_remembered_on_the_next_pages(client):
    chosen = client.post(reverse("set_language"), {"language": "en", "next": reverse("login")})
    page = client.get(reverse("login"))

    assert chosen.status_code == 302
    assert '<html lang="en">' in page.content.decode()
    back = client.post(reverse("set_language"), {"language": "vi", "next": reverse("login")})
    assert back.status_code == 302 and '<html lang="vi">' in client.get(reverse("login")).content.decode()


def test_an_unknown_language_in_the_cookie_falls_back_to_vietnamese(client):
    client.cookies["django_language"] = "fr"

    assert '<html lang="vi">' in client.get(reverse("login")).content.decode()


def test_the_selector_names_each_language_in_itself(client):
    for language in ("vi", "en"):
        client.cookies["django_language"] = language
        page = client.get(reverse("login")).content.decode()

        assert '<option value="vi" lang="vi"' in page and ">Tiếng Việt</option>" in page
        assert ">English</option>" in page and "Tiếng Anh" not in page
