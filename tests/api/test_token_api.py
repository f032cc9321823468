"""/api/v1/auth/token/ and /api/v1/auth/tokens/: a password for a named, expiring token, the token at work, listed and
revoked; wrong keys throttled per address."""

import datetime

import pytest
from django.utils import timezone
from rest_framework.settings import api_settings
from rest_framework.test import APIClient

from ntm_portal.models import ApiToken

pytestmark = pytest.mark.django_db

PASSWORD = "mat-khau-thu"  # tests.ntm_portal.factories.UserFactory's


def obtain(client, username, password=PASSWORD, **extra):
    return client.post("/api/v1/auth/token/", {"username": username, "password": password, **extra}, format="json")


def with_key(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_it_gives_a_named_expiring_token_for_a_password_and_the_token_reads_the_api(commune_official_a1, geography):
    response = obtain(APIClient(), "official_a1", name="Bảng điều khiển huyện")

    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"id", "token", "name", "expiry"}
    assert body["name"] == "Bảng điều khiển huyện"
    expiry = datetime.datetime.fromisoformat(body["expiry"])
    assert datetime.timedelta(days=89) < expiry - timezone.now() <= datetime.timedelta(days=90)
    client = with_key(body["token"])
    me = client.get("/api/v1/me/").json()
    assert (me["username"], me["authenticated_by"]) == ("official_a1", "token")
    assert [row["id"] for row in client.get("/api/v1/communes/").json()["results"]] == [geography.commune_a1.pk]


def test_the_key_is_not_stored_only_its_hash(commune_official_a1):
    key = obtain(APIClient(), "official_a1").json()["token"]

    stored = ApiToken.objects.get(user=commune_official_a1)
    assert key not in (stored.digest, stored.token_key)
    assert not ApiToken.objects.filter(digest=key).exists()


def test_a_user_holds_several_tokens_and_a_new_one_leaves_the_old_working(commune_official_a1):
    old = obtain(APIClient(), "official_a1", name="cũ").json()["token"]

    new = obtain(APIClient(), "official_a1", name="mới").json()["token"]

    assert with_key(old).get("/api/v1/me/").status_code == 200
    assert with_key(new).get("/api/v1/me/").status_code == 200
    assert ApiToken.objects.filter(user=commune_official_a1).count() == 2


def test_a_shorter_life_may_be_asked_but_not_a_longer_one(commune_official_a1):
    short = obtain(APIClient(), "official_a1", days=7)
    too_long = obtain(APIClient(), "official_a1", days=365)

    expiry = datetime.datetime.fromisoformat(short.json()["expiry"])
    assert expiry - timezone.now() <= datetime.timedelta(days=7)
    assert too_long.status_code == 400
    assert "days" in too_long.json()


def test_an_expired_token_is_a_401_that_says_so(commune_official_a1):
    key = obtain(APIClient(), "official_a1").json()["token"]
    ApiToken.objects.update(expiry=timezone.now() - datetime.timedelta(seconds=1))

    response = with_key(key).get("/api/v1/me/")

    assert response.status_code == 401
    assert response.json()["detail"] == "Khóa truy cập API đã hết hạn."


def test_a_wrong_password_is_a_400_that_does_not_say_which_part_was_wrong(commune_official_a1):
    wrong_password = obtain(APIClient(), "official_a1", "sai-mat-khau")
    unknown_user = obtain(APIClient(), "nobody")

    assert wrong_password.status_code == unknown_user.status_code == 400
    assert wrong_password.json() == unknown_user.json()
    assert wrong_password.json()["non_field_errors"] == ["Tên đăng nhập hoặc mật khẩu không đúng."]
    assert not ApiToken.objects.exists()


def test_an_inactive_user_gets_no_token(commune_official_a1):
    commune_official_a1.is_active = False
    commune_official_a1.save()

    response = obtain(APIClient(), "official_a1")

    assert response.status_code == 400
    assert not ApiToken.objects.exists()


def test_a_missing_field_is_named(commune_official_a1):
    response = APIClient().post("/api/v1/auth/token/", {"username": "official_a1"}, format="json")

    assert response.status_code == 400
    assert "password" in response.json()


def test_a_stale_token_in_the_header_does_not_stop_a_password_login(commune_official_a1):
    assert obtain(with_key("not-a-real-key"), "official_a1").status_code == 200


def test_attempts_are_throttled_per_address_and_username(commune_official_a1, commune_official_b1, monkeypatch):
    monkeypatch.setitem(api_settings.DEFAULT_THROTTLE_RATES, "token_obtain", "3/minute")
    client = APIClient()

    answers = [obtain(client, "official_a1", "sai").status_code for _ in range(3)]
    refused = obtain(client, "official_a1")  # even the right password, once over the limit
    colleague = obtain(client, "official_b1")  # the same office address: another account is not held up

    assert answers == [400, 400, 400]
    assert refused.status_code == 429
    assert "Retry-After" in refused.headers
    assert colleague.status_code == 200


def test_wrong_keys_are_throttled_per_address_and_a_right_key_still_works(commune_official_a1, monkeypatch):
    monkeypatch.setitem(api_settings.DEFAULT_THROTTLE_RATES, "token_failure", "3/minute")
    key = obtain(APIClient(), "official_a1").json()["token"]

    answers = [with_key(f"wrong-{n}").get("/api/v1/me/").status_code for n in range(3)]
    refused = with_key("wrong-3").get("/api/v1/me/")
    from_elsewhere = with_key("wrong-4").get("/api/v1/me/", REMOTE_ADDR="10.0.0.9")
    colleague = with_key(key).get("/api/v1/me/")  # the same office address: a broken script blocks no one else

    assert answers == [401, 401, 401]
    assert refused.status_code == 429
    assert "Retry-After" in refused.headers
    assert refused.json()["detail"].startswith("Quá nhiều lần gửi khóa truy cập API sai")
    assert from_elsewhere.status_code == 401
    assert colleague.status_code == 200


def test_right_keys_do_not_count_towards_the_wrong_key_limit(commune_official_a1, monkeypatch):
    monkeypatch.setitem(api_settings.DEFAULT_THROTTLE_RATES, "token_failure", "2/minute")
    client = with_key(obtain(APIClient(), "official_a1").json()["token"])

    assert [client.get("/api/v1/me/").status_code for _ in range(4)] == [200] * 4


def test_a_key_that_is_not_text_is_a_401_not_a_500(geography):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=b"Token \xff\xfe")

    assert client.get("/api/v1/me/").status_code == 401


def test_revoking_the_token_of_the_request_locks_it_out_and_leaves_my_others(commune_official_a1):
    first = obtain(APIClient(), "official_a1").json()["token"]
    second = obtain(APIClient(), "official_a1").json()["token"]

    response = with_key(first).delete("/api/v1/auth/token/")

    assert response.status_code == 204
    assert with_key(first).get("/api/v1/me/").status_code == 401
    assert with_key(second).get("/api/v1/me/").status_code == 200


def test_revoking_needs_a_signed_in_caller():
    assert APIClient().delete("/api/v1/auth/token/").status_code == 401


def test_my_tokens_are_listed_with_name_prefix_and_expiry_never_the_key(commune_official_a1, province_coordinator):
    issued = obtain(APIClient(), "official_a1", name="Báo cáo").json()
    obtain(APIClient(), province_coordinator.username)  # another user's token is not listed
    client = with_key(issued["token"])

    response = client.get("/api/v1/auth/tokens/")

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    row = body["results"][0]
    assert set(row) == {"id", "name", "prefix", "created", "expiry"}
    assert (row["id"], row["name"], row["expiry"]) == (issued["id"], "Báo cáo", issued["expiry"])
    assert issued["token"].startswith(row["prefix"])
    assert issued["token"] not in response.content.decode()


def test_revoking_one_token_by_id_locks_that_one_out(commune_official_a1):
    keep = obtain(APIClient(), "official_a1").json()
    drop = obtain(APIClient(), "official_a1").json()

    response = with_key(keep["token"]).delete(f"/api/v1/auth/tokens/{drop['id']}/")

    assert response.status_code == 204
    assert with_key(drop["token"]).get("/api/v1/me/").status_code == 401
    assert with_key(keep["token"]).get("/api/v1/me/").status_code == 200


def test_another_users_token_cannot_be_revoked_by_id(commune_official_a1, province_coordinator):
    theirs = obtain(APIClient(), province_coordinator.username).json()
    mine = obtain(APIClient(), "official_a1").json()

    response = with_key(mine["token"]).delete(f"/api/v1/auth/tokens/{theirs['id']}/")

    assert response.status_code == 404
    assert with_key(theirs["token"]).get("/api/v1/me/").status_code == 200


def test_listing_tokens_needs_a_signed_in_caller():
    assert APIClient().get("/api/v1/auth/tokens/").status_code == 401
