"""Issue 19: the commune search finds a commune by its own name, its district's name or a former (pre-merger)
commune's name, with or without diacritics, whatever the case and the spaces, in a fixed number of queries."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from communes.models import AdministrativeUnit, UnitSuccession
from tests.communes.factories import CommuneFactory

pytestmark = pytest.mark.django_db

LIST_URL = "/communes/"
MERGER = datetime.date(2025, 7, 1)


def listed(response) -> list[str]:
    assert response.status_code == 200
    return sorted(row.commune.name for row in response.context["page"].object_list)


@pytest.mark.parametrize("typed", ["dinh hoa", "Định Hóa", "Dinh  Hoa", "  ĐỊNH   HÓA ", "huyen dinh hoa"])
def test_the_district_name_finds_its_communes_with_or_without_diacritics(client, province_coordinator, typed):
    client.force_login(province_coordinator)

    # The geography: Xã Phú Đình and Xã Sơn Phú in Huyện Định Hóa, Xã Yên Ninh in Huyện Phú Lương.
    assert listed(client.get(LIST_URL, {"q": typed})) == ["Xã Phú Đình", "Xã Sơn Phú"]


@pytest.mark.parametrize("typed", ["yen ninh", "Yên  Ninh", "YÊN NINH", "05620"])
def test_the_communes_own_name_or_code_finds_it(client, province_coordinator, typed):
    client.force_login(province_coordinator)

    assert listed(client.get(LIST_URL, {"q": typed})) == ["Xã Yên Ninh"]


def test_a_former_communes_name_or_district_finds_the_commune_it_was_merged_into(
    client, geography, province_coordinator
):
    old = CommuneFactory(name="Xã Bảo Cường", parent=geography.district_a, valid_to=MERGER - datetime.timedelta(1))
    new = CommuneFactory(name="Xã Kim Phượng", parent=geography.province, valid_from=MERGER)
    UnitSuccession.objects.create(successor=new, predecessor=old)
    client.force_login(province_coordinator)

    assert listed(client.get(LIST_URL, {"q": "bao cuong"})) == ["Xã Kim Phượng"]
    assert listed(client.get(LIST_URL, {"q": "Bảo  Cường"})) == ["Xã Kim Phượng"]
    # Today Huyện Định Hóa's communes include the new commune formed from one of them.
    assert listed(client.get(LIST_URL, {"q": "dinh hoa"})) == ["Xã Kim Phượng", "Xã Phú Đình", "Xã Sơn Phú"]


def test_a_search_of_nothing_but_spaces_lists_every_commune(client, province_coordinator):
    client.force_login(province_coordinator)

    assert listed(client.get(LIST_URL, {"q": "   "})) == ["Xã Phú Đình", "Xã Sơn Phú", "Xã Yên Ninh"]


def test_the_api_search_finds_communes_by_their_districts_name(client, province_coordinator):
    client.force_login(province_coordinator)

    names = [row["name"] for row in client.get("/api/v1/communes/", {"q": "Dinh  Hoa"}).json()["results"]]
    assert sorted(names) == ["Xã Phú Đình", "Xã Sơn Phú"]


def _search_queries(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(LIST_URL, {"q": "xa"}).status_code == 200
    return len(captured)


def test_the_search_costs_the_same_queries_for_few_and_many_communes(
    client, geography, province_coordinator, django_assert_num_queries
):
    client.force_login(province_coordinator)
    few = _search_queries(client)
    for number in range(20):
        old = CommuneFactory(name=f"Xã Cũ {number}", parent=geography.district_b, valid_to=MERGER)
        new = CommuneFactory(name=f"Xã Mới {number}", parent=geography.district_a)
        UnitSuccession.objects.create(successor=new, predecessor=old)
    assert AdministrativeUnit.objects.communes().count() > 40

    # The same page: the session and user, the form's choices, the filtered communes with their former names as one
    # EXISTS, their count, and the progress of the page's communes.
    with django_assert_num_queries(few):
        assert client.get(LIST_URL, {"q": "xa"}).status_code == 200
