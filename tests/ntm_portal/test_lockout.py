"""Sign-in lockout (issue 17, finding 1): five wrong passwords lock the account, not the address; the province
coordinator of its province or the admin unlocks it."""

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from ntm_portal.choices import Role
from tests.communes.factories import CommuneFactory, DistrictFactory, ProvinceFactory
from tests.ntm_portal.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "mat-khau-thu"  # UserFactory's
OFFICE = "10.1.2.3"  # a provincial office: everyone signs in from this one address
LOCKED = "Tài khoản này tạm thời bị khóa vì nhập sai mật khẩu 5 lần liên tiếp"


def sign_in(username, password=PASSWORD, address=OFFICE):
    browser = Client(REMOTE_ADDR=address)
    return browser, browser.post(reverse("login"), {"username": username, "password": password})


def signed_in(browser) -> bool:
    return "_auth_user_id" in browser.session


def lock(username, address=OFFICE):
    for _ in range(5):
        sign_in(username, "sai-mat-khau", address)


def test_five_wrong_passwords_lock_the_account_and_the_right_one_is_refused_with_a_message(commune_official_a1):
    answers = [sign_in("official_a1", "sai-mat-khau")[1] for _ in range(4)]
    assert all(r.status_code == 200 and "không đúng" in r.content.decode() for r in answers)  # still the usual error

    sign_in("official_a1", "sai-mat-khau")
    browser, response = sign_in("official_a1")

    assert not signed_in(browser)
    assert response.status_code == 429
    page = response.content.decode()
    assert LOCKED in page
    assert "15 phút" in page
    assert 'name="password"' in page  # the login page itself, not a bare error


def test_another_user_at_the_same_address_still_signs_in(commune_official_a1, commune_official_b1):
    lock("official_a1")

    browser, response = sign_in("official_b1")

    assert response.status_code == 302
    assert signed_in(browser)


def test_the_account_stays_locked_from_another_address(commune_official_a1):
    lock("official_a1")

    browser, response = sign_in("official_a1", address="10.9.9.9")

    assert response.status_code == 429
    assert not signed_in(browser)


def test_a_right_password_before_the_limit_starts_the_count_again(commune_official_a1):
    for _ in range(4):
        sign_in("official_a1", "sai-mat-khau")
    sign_in("official_a1")
    for _ in range(4):
        sign_in("official_a1", "sai-mat-khau")

    browser, _response = sign_in("official_a1")

    assert signed_in(browser)


def test_the_api_counts_wrong_passwords_the_same_and_answers_json(commune_official_a1):
    client = APIClient(REMOTE_ADDR=OFFICE)
    wrong = {"username": "official_a1", "password": "sai"}
    answers = [client.post("/api/v1/auth/token/", wrong, format="json").status_code for _ in range(5)]
    assert answers == [400, 400, 400, 400, 429]  # the fifth locks

    response = client.post("/api/v1/auth/token/", {"username": "official_a1", "password": PASSWORD}, format="json")

    assert response.status_code == 429
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "locked_out"
    assert response.json()["detail"].startswith(LOCKED)
    assert "Retry-After" in response.headers
    assert sign_in("official_a1")[1].status_code == 429  # the login page shares the lockout


def test_wrong_passwords_on_the_login_page_lock_the_api_too(commune_official_a1):
    lock("official_a1")

    response = APIClient().post("/api/v1/auth/token/", {"username": "official_a1", "password": PASSWORD}, format="json")

    assert response.status_code == 429


def test_the_coordinator_sees_the_locked_account_and_unlocks_it_after_confirming(
    province_coordinator, commune_official_a1
):
    lock("official_a1")
    coordinator = Client()
    coordinator.force_login(province_coordinator)

    listed = coordinator.get(reverse("locked-accounts")).content.decode()
    assert "official_a1" in listed
    confirm = coordinator.get(reverse("locked-accounts"), {"unlock": "official_a1"}).content.decode()
    assert 'name="username" value="official_a1"' in confirm
    assert sign_in("official_a1")[1].status_code == 429  # asking unlocks nothing

    response = coordinator.post(reverse("locked-accounts"), {"username": "official_a1"}, follow=True)

    assert "Đã mở khóa tài khoản official_a1." in response.content.decode()
    assert "official_a1" not in coordinator.get(reverse("locked-accounts")).content.decode().split("</h1>")[1]
    browser, _response = sign_in("official_a1")
    assert signed_in(browser)


def test_the_admin_unlocks_in_axes_admin(admin_client, commune_official_a1):
    lock("official_a1")
    from axes.models import AccessAttempt

    for attempt in AccessAttempt.objects.filter(username="official_a1"):
        url = reverse("admin:axes_accessattempt_delete", args=[attempt.pk])
        assert admin_client.post(url, {"post": "yes"}).status_code == 302

    assert signed_in(sign_in("official_a1")[0])


def test_the_lockout_page_is_not_needed_by_users_who_cannot_unlock(commune_official_a1, district_officer_a):
    for user in (commune_official_a1, district_officer_a):
        browser = Client()
        browser.force_login(user)
        assert browser.get(reverse("locked-accounts")).status_code == 403


# Who may unlock whom: each role, an account of their own province and one of another province.
@pytest.fixture
def other_province_official(db):
    province = ProvinceFactory(code="20", name="Tỉnh Lạng Sơn")
    commune = CommuneFactory(code="06001", name="Xã Khác", parent=DistrictFactory(code="178", parent=province))
    return UserFactory(username="official_other", role=Role.COMMUNE_OFFICIAL, unit=commune)


@pytest.mark.parametrize(
    ("persona", "own_province", "other_province"),
    [
        ("province_coordinator", True, False),
        ("district_officer_a", False, False),
        ("commune_official_a1", False, False),
        ("commune_official_b1", False, False),
        ("agency_liaison", False, False),
        ("admin_user", True, True),
    ],
)
def test_who_may_unlock_whom(
    request, persona, own_province, other_province, commune_official_a1, other_province_official
):
    user = request.getfixturevalue(persona)
    browser = Client()
    browser.force_login(user)
    lock("official_a1")
    lock("official_other")

    for username, allowed in (("official_a1", own_province), ("official_other", other_province)):
        response = browser.post(reverse("locked-accounts"), {"username": username})
        assert response.status_code == (302 if allowed else 403), (persona, username)
        assert signed_in(sign_in(username)[0]) == allowed, (persona, username)


def test_the_coordinator_cannot_unlock_a_staff_account_of_their_province(province_coordinator, geography):
    UserFactory(username="steward", is_staff=True, role=Role.VIEWER, unit=geography.province)
    lock("steward")
    coordinator = Client()
    coordinator.force_login(province_coordinator)

    assert coordinator.post(reverse("locked-accounts"), {"username": "steward"}).status_code == 403
    assert sign_in("steward")[1].status_code == 429


def test_the_coordinator_lists_only_their_provinces_accounts(province_coordinator, other_province_official):
    lock("official_other")
    coordinator = Client()
    coordinator.force_login(province_coordinator)

    assert "official_other" not in coordinator.get(reverse("locked-accounts")).content.decode()
