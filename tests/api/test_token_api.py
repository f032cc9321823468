"""/api/v1/auth/token/ and /api/v1/auth/tokens/: a password for a token, the token at work, listed and revoked."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.settings import api_settings
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

PASSWORD = "mat-khau-thu"  # tests.ntm_portal.factories.UserFactory's


def obtain(client, username, password=PASSWORD):
    return client.post("/api/v1/auth/token/", {"username": username, "password": password}, format="json")


def test_it_gives_a_token_for_a_password_and_the_token_reads_the_api(commune_official_a1, geography):
    response = obtain(APIClient(), "official_a1")

    assert response.status_code == 200, response.content
    key = response.json()["token"]
    assert Token.objects.get(user=commune_official_a1).key == key
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    me = client.get("/api/v1/me/").json()
    assert (me["username"], me["authenticated_by"]) == ("official_a1", "token")
    assert [row["id"] for row in client.get("/api/v1/communes/").json()["results"]] == [geography.commune_a1.pk]


def test_a_new_token_replaces_the_old_one(api, commune_official_a1):
    old = api(commune_official_a1)

    assert obtain(APIClient(), "official_a1").status_code == 200

    assert old.get("/api/v1/me/").status_code == 401
    assert Token.objects.filter(user=commune_official_a1).count() == 1


def test_a_wrong_password_is_a_400_that_does_not_say_which_part_was_wrong(commune_official_a1):
    wrong_password = obtain(APIClient(), "official_a1", "sai-mat-khau")
    unknown_user = obtain(APIClient(), "nobody")

    assert wrong_password.status_code == unknown_user.status_code == 400
    assert wrong_password.json() == unknown_user.json()
    assert wrong_password.json()["non_field_errors"] == ["Tên đăng nhập hoặc mật khẩu không đúng."]
    assert not Token.objects.exists()


def test_an_inactive_user_gets_no_token(commune_official_a1):
    commune_official_a1.is_active = False
    commune_official_a1.save()

    response = obtain(APIClient(), "official_a1")

    assert response.status_code == 400
    assert not Token.objects.exists()


def test_a_missing_field_is_named(commune_official_a1):
    response = APIClient().post("/api/v1/auth/token/", {"username": "official_a1"}, format="json")

    assert response.status_code == 400
    assert "password" in response.json()


def test_a_stale_token_in_the_header_does_not_stop_a_password_login(commune_official_a1):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-key")

    assert obtain(client, "official_a1").status_code == 200


def test_attempts_are_throttled_per_address(commune_official_a1, monkeypatch):
    monkeypatch.setitem(api_settings.DEFAULT_THROTTLE_RATES, "token_obtain", "3/minute")
    client = APIClient()

    answers = [obtain(client, "official_a1", "sai").status_code for _ in range(3)]
    refused = obtain(client, "official_a1")  # even the right password, once over the limit

    assert answers == [400, 400, 400]
    assert refused.status_code == 429
    assert "Retry-After" in refused.headers


def test_revoking_my_token_locks_it_out(api, commune_official_a1):
    client = api(commune_official_a1)

    response = client.delete("/api/v1/auth/token/")

    assert response.status_code == 204
    assert not Token.objects.filter(user=commune_official_a1).exists()
    assert client.get("/api/v1/me/").status_code == 401


def test_revoking_needs_a_signed_in_caller():
    assert APIClient().delete("/api/v1/auth/token/").status_code == 401


def test_my_tokens_show_the_key_prefix_only(api, commune_official_a1, province_coordinator):
    client = api(commune_official_a1)
    api(province_coordinator)  # another user's token is not listed
    key = Token.objects.get(user=commune_official_a1).key

    response = client.get("/api/v1/auth/tokens/")

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    assert body["results"][0]["key_prefix"] == key[:6]
    assert set(body["results"][0]) == {"key_prefix", "created"}
    assert key not in response.content.decode()


def test_listing_tokens_needs_a_signed_in_caller():
    assert APIClient().get("/api/v1/auth/tokens/").status_code == 401
