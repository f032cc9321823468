"""The header shows each role what it can use (ntm_portal.menu), the current page marked."""

import pytest
from django.urls import reverse

from ntm_portal.menu import MAX_PRIMARY, navigation_for
from tests.ntm_portal.factories import UserFactory

pytestmark = pytest.mark.django_db


def keys(navigation) -> set[str]:
    return {link.key for link in [*navigation.primary, *navigation.more, *navigation.account]}


def test_a_coordinator_has_both_queues_the_secondment_admin_and_the_locked_accounts(province_coordinator):
    shown = keys(navigation_for(province_coordinator, "/"))
    assert {"verification", "approval", "batches", "locked", "excel"} <= shown
    assert "my_commune" not in shown


def test_a_district_officer_has_the_verification_queue_only(district_officer_a):
    shown = keys(navigation_for(district_officer_a, "/"))
    assert "verification" in shown
    assert not {"approval", "batches", "locked", "excel"} & shown


def test_a_commune_official_has_their_commune_and_no_queue(commune_official_a1, geography):
    navigation = navigation_for(commune_official_a1, "/")
    shown = keys(navigation)
    assert {"my_commune", "history", "excel"} <= shown
    assert not {"verification", "approval", "communes", "matrix", "locked"} & shown
    mine = next(link for link in navigation.primary if link.key == "my_commune")
    assert mine.url == reverse("communes:commune_detail", args=[geography.commune_a1.pk])


def test_an_agency_liaison_has_their_communes_and_the_visit_form(agency_liaison):
    shown = keys(navigation_for(agency_liaison, "/"))
    assert {"my_communes", "visit_new", "visits", "support"} <= shown
    assert not {"verification", "approval", "excel", "my_commune", "communes", "locked"} & shown


def test_no_role_gets_more_primary_entries_than_fit_one_line(province_coordinator, geography):
    superuser = UserFactory(username="root", is_superuser=True, is_staff=True)
    for user in (province_coordinator, superuser):
        assert len(navigation_for(user, "/").primary) <= MAX_PRIMARY


def test_the_page_under_an_entry_marks_that_entry_current(province_coordinator):
    navigation = navigation_for(province_coordinator, reverse("criteria:verification_queue"))
    assert [link.key for link in navigation.primary + navigation.more if link.current] == ["verification"]
    on_a_round = navigation_for(province_coordinator, reverse("criteria:round_detail", args=[1]))
    assert [link.key for link in on_a_round.primary + on_a_round.more if link.current] == ["rounds"]
    on_the_dashboard = navigation_for(province_coordinator, reverse("dashboard:unit", args=[1]))
    assert [link.key for link in on_the_dashboard.primary if link.current] == ["start"]


def test_the_header_marks_the_current_page_for_screen_readers(client, district_officer_a):
    client.force_login(district_officer_a)
    page = client.get(reverse("todo")).content.decode()
    assert f'<a href="{reverse("todo")}" aria-current="page">' in page
    assert page.count('aria-current="page"') == 1
    assert 'aria-controls="site-nav"' in page and 'id="site-nav"' in page
