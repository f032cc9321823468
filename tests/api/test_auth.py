"""Per-user tokens: issued and revoked on the user's own page and in the admin; sessions work too; tokens are
throttled, sessions are not."""

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.settings import api_settings
from rest_framework.test import APIClient

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


def test_creating_a_token_shows_its_key_once_and_it_works(client, commune_official_a1, geography):
    client.force_login(commune_official_a1)

    created = client.post(reverse("api-token"), {"action": "create"})
    key = Token.objects.get(user=commune_official_a1).key
    assert key in created.content.decode()
    assert key not in client.get(reverse("api-token")).content.decode()  # only the prefix from now on

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert [row["id"] for row in api.get("/api/v1/communes/").json()["results"]] == [geography.commune_a1.pk]


def test_regenerating_a_token_retires_the_old_one(client, commune_official_a1):
    client.force_login(commune_official_a1)
    client.post(reverse("api-token"), {"action": "create"})
    old = Token.objects.get(user=commune_official_a1).key

    client.post(reverse("api-token"), {"action": "create"})

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {old}")
    assert api.get("/api/v1/me/").status_code == 401
    assert Token.objects.get(user=commune_official_a1).key != old


def test_revoking_a_token_locks_it_out(client, commune_official_a1):
    client.force_login(commune_official_a1)
    client.post(reverse("api-token"), {"action": "create"})
    key = Token.objects.get(user=commune_official_a1).key

    response = client.post(reverse("api-token"), {"action": "revoke"})

    assert response.status_code == 200
    assert not Token.objects.filter(user=commune_official_a1).exists()
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/v1/me/").status_code == 401


def test_an_unknown_action_on_the_token_page_is_a_400(client, commune_official_a1):
    client.force_login(commune_official_a1)

    assert client.post(reverse("api-token"), {"action": "steal"}).status_code == 400


def test_the_token_page_refuses_a_post_without_csrf(commune_official_a1):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(commune_official_a1)

    assert browser.post(reverse("api-token"), {"action": "create"}).status_code == 403
    assert not Token.objects.filter(user=commune_official_a1).exists()


def test_a_steward_issues_and_revokes_a_token_in_the_admin(admin_client, commune_official_a1, api):
    add_url = reverse("admin:authtoken_tokenproxy_add")

    response = admin_client.post(add_url, {"user": commune_official_a1.pk})

    assert response.status_code == 302
    token = Token.objects.get(user=commune_official_a1)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert client.get("/api/v1/me/").status_code == 200

    delete_url = reverse("admin:authtoken_tokenproxy_delete", args=[commune_official_a1.pk])  # keyed by user
    assert admin_client.post(delete_url, {"post": "yes"}).status_code == 302
    assert client.get("/api/v1/me/").status_code == 401


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
