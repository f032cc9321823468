"""Per-user tokens: issued and revoked on the user's own page and in the admin; sessions work too; tokens are
throttled, sessions are not."""

import re

import pytest
from django.urls import reverse
from rest_framework.settings import api_settings
from rest_framework.test import APIClient

from ntm_portal.models import ApiToken
from ntm_portal.tokens import token_issue

pytestmark = pytest.mark.django_db


def test_the_token_page_needs_a_login(client):
    response = client.get(reverse("api-token"))

    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_a_user_without_a_token_is_offered_one(client, commune_official_a1):
    client.force_login(commune_official_a1)

    response = client.get(reverse("api-token"))

    assert response.status_code == 200
    assert "chưa có khóa" in response.content.decode()


def with_key(key: str) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return api


def create_on_the_page(client, name="Bảng điều khiển") -> str:
    """POST create, follow the redirect, and read the key the page shows once."""
    created = client.post(reverse("api-token"), {"action": "create", "name": name})
    assert created.status_code == 302
    page = client.get(created["Location"])
    return page.context["new_token"]["key"]


def test_creating_a_token_redirects_and_the_page_shows_its_key_once_and_it_works(
    client, commune_official_a1, geography
):
    client.force_login(commune_official_a1)

    created = client.post(reverse("api-token"), {"action": "create", "name": "Bảng điều khiển"})
    assert created.status_code == 302
    shown = client.get(created["Location"]).content.decode()
    refreshed = client.get(created["Location"]).content.decode()  # a refresh shows it no more, and issues nothing

    token = ApiToken.objects.get(user=commune_official_a1)
    assert token.name == "Bảng điều khiển"
    assert 'id="api-token-key"' in shown and 'id="api-token-key"' not in refreshed
    assert "Bảng điều khiển" in refreshed  # listed by name
    assert ApiToken.objects.filter(user=commune_official_a1).count() == 1
    key = re.search(r'id="api-token-key"[^>]*>([^<]+)<', shown)[1]
    assert key not in refreshed
    assert [row["id"] for row in with_key(key).get("/api/v1/communes/").json()["results"]] == [geography.commune_a1.pk]


def test_a_second_token_leaves_the_first_working(client, commune_official_a1):
    client.force_login(commune_official_a1)
    first = create_on_the_page(client, "một")

    second = create_on_the_page(client, "hai")

    assert with_key(first).get("/api/v1/me/").status_code == 200
    assert with_key(second).get("/api/v1/me/").status_code == 200
    page = client.get(reverse("api-token")).content.decode()
    assert "một" in page and "hai" in page


def test_revoking_asks_to_confirm_then_locks_the_token_out(client, commune_official_a1):
    client.force_login(commune_official_a1)
    key = create_on_the_page(client)
    token = ApiToken.objects.get(user=commune_official_a1)

    confirm = client.get(reverse("api-token"), {"revoke": token.pk})
    assert 'value="revoke"' in confirm.content.decode()
    assert with_key(key).get("/api/v1/me/").status_code == 200  # asking revokes nothing

    response = client.post(reverse("api-token"), {"action": "revoke", "token_id": token.pk}, follow=True)

    assert response.status_code == 200
    assert "Đã thu hồi khóa." in response.content.decode()
    assert not ApiToken.objects.filter(user=commune_official_a1).exists()
    assert with_key(key).get("/api/v1/me/").status_code == 401


def test_another_users_token_cannot_be_revoked_on_the_page(client, commune_official_a1, province_coordinator):
    client.force_login(province_coordinator)
    key = create_on_the_page(client)
    theirs = ApiToken.objects.get(user=province_coordinator)
    client.force_login(commune_official_a1)

    client.post(reverse("api-token"), {"action": "revoke", "token_id": theirs.pk})

    assert with_key(key).get("/api/v1/me/").status_code == 200


def test_an_unknown_action_on_the_token_page_is_a_400(client, commune_official_a1):
    client.force_login(commune_official_a1)

    assert client.post(reverse("api-token"), {"action": "steal"}).status_code == 400


def test_the_token_page_refuses_a_post_without_csrf(commune_official_a1):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(commune_official_a1)

    assert browser.post(reverse("api-token"), {"action": "create"}).status_code == 403
    assert not ApiToken.objects.filter(user=commune_official_a1).exists()


def test_a_steward_sees_and_revokes_a_token_in_the_admin_but_cannot_issue_one(admin_client, commune_official_a1):
    token, key = token_issue(user=commune_official_a1, name="script")
    assert admin_client.get(reverse("admin:ntm_portal_apitoken_add")).status_code == 403  # the key could not be shown

    listed = admin_client.get(reverse("admin:ntm_portal_apitoken_changelist")).content.decode()
    assert "script" in listed and key not in listed

    delete_url = reverse("admin:ntm_portal_apitoken_delete", args=[token.pk])
    assert admin_client.post(delete_url, {"post": "yes"}).status_code == 302
    assert with_key(key).get("/api/v1/me/").status_code == 401


def test_a_deactivated_users_token_stops_working(api, commune_official_a1):
    client = api(commune_official_a1)
    commune_official_a1.is_active = False
    commune_official_a1.save()

    assert client.get("/api/v1/me/").status_code == 401


def test_a_wrong_token_is_a_401(geography):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token 0123456789abcdef0123456789abcdef01234567")

    response = client.get("/api/v1/communes/")

    assert response.status_code == 401
    assert response.json()["detail"]


def test_tokens_are_throttled_per_user_and_sessions_are_not(api, client, commune_official_a1, monkeypatch):
    monkeypatch.setitem(api_settings.DEFAULT_THROTTLE_RATES, "token", "3/minute")
    by_token = api(commune_official_a1)

    statuses = [by_token.get("/api/v1/me/").status_code for _ in range(4)]

    assert statuses == [200, 200, 200, 429]
    assert "Retry-After" in by_token.get("/api/v1/me/")
    client.force_login(commune_official_a1)
    assert [client.get("/api/v1/me/").status_code for _ in range(4)] == [200] * 4


def test_ping_answers_ok_to_a_signed_in_caller_and_401_to_anyone_else(api, commune_official_a1):
    assert api(commune_official_a1).get("/api/v1/ping/").json() == {"ok": True}
    assert api(None).get("/api/v1/ping/").status_code == 401
