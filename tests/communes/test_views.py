"""The commune pages in the browser: the list with its filters and Excel export, the communes × criteria matrix, and
the commune page; each for every role in scope, a 404 outside it, and the same queries for 2 rows as for 20."""

import datetime
import io
import re

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from communes.choices import CommuneGroup, NtmLevel, Region
from criteria.choices import RoundStatus
from ntm_portal.text import vnd
from reports.commune_page import LOW_VISIT_THRESHOLD
from secondments.choices import PlanItemStatus, SecondmentKind, SponsorRole, SupportKind
from tests.communes.factories import CommuneFactory, DistrictFactory, ProvinceFactory, RecognitionFactory
from tests.criteria.factories import (
    AssessmentRoundFactory,
    CriteriaSetFactory,
    CriterionResultFactory,
    EvidenceFileFactory,
)
from tests.ntm_portal.factories import UserFactory
from tests.secondments.factories import (
    AgencyFactory,
    CadreFactory,
    FieldVisitFactory,
    SecondmentBatchFactory,
    SecondmentFactory,
    SponsorAssignmentFactory,
    SupportContributionFactory,
    WorkPlanFactory,
    WorkPlanItemFactory,
)

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LIST_URL = "/communes/"
MATRIX_URL = "/communes/matrix/"
IN_SCOPE_OF_A1 = ["province_coordinator", "district_officer_a", "commune_official_a1", "agency_liaison"]


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def criteria_set(db):
    """A national basic set of 5 criteria (numbers 1–5) whose period covers the rounds below and today."""
    return CriteriaSetFactory(period_start=2000, period_end=2100, criteria_count=5)


def assess(commune, criteria_set, *, met=(), not_met=(), year=2022, status=RoundStatus.APPROVED):
    """A round of `commune` in `year`: the criteria numbered in `met` met, in `not_met` not met, the rest without an
    answer yet."""
    assessment_round = AssessmentRoundFactory(commune=commune, criteria_set=criteria_set, year=year, status=status)
    for criterion in criteria_set.criteria.all():
        if criterion.number in met or criterion.number in not_met:
            CriterionResultFactory(assessment_round=assessment_round, criterion=criterion, met=criterion.number in met)
    return assessment_round


def html(response) -> str:
    return response.content.decode()


def listed(response) -> list[str]:
    return [row.commune.name for row in response.context["page"].object_list]


def sheet_rows(response) -> list[tuple]:
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    return list(openpyxl.load_workbook(io.BytesIO(response.getvalue())).active.iter_rows(values_only=True))


def detail_url(commune) -> str:
    return reverse("communes:commune_detail", args=[commune.pk])


def queries_of(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, params or {}).status_code == 200
    return len(captured)


# --- URLs and scope ------------------------------------------------------------------------------------------------


def test_the_pages_are_mounted_under_communes():
    assert reverse("communes:commune_list") == LIST_URL
    assert reverse("communes:criteria_matrix") == MATRIX_URL
    assert reverse("communes:commune_detail", args=[7]) == "/communes/7/"


@pytest.mark.parametrize("url", [LIST_URL, MATRIX_URL, "/communes/1/"])
def test_an_anonymous_visitor_is_sent_to_the_login_page(client, url):
    response = client.get(url)

    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("persona", IN_SCOPE_OF_A1)
def test_each_role_sees_the_list_of_its_communes(client, request, persona, geography, criteria_set):
    assess(geography.commune_a1, criteria_set, met=(1, 2, 3))
    client.force_login(request.getfixturevalue(persona))

    response = client.get(LIST_URL)

    assert response.status_code == 200
    names = listed(response)
    assert "Xã Phú Đình" in names
    assert ("Xã Yên Ninh" in names) == (persona == "province_coordinator")
    assert "3/5" in html(response)


@pytest.mark.parametrize("persona", IN_SCOPE_OF_A1)
def test_each_role_in_scope_opens_the_commune_page(client, request, persona, geography, criteria_set):
    assess(geography.commune_a1, criteria_set, met=(1, 2, 3))
    client.force_login(request.getfixturevalue(persona))

    response = client.get(detail_url(geography.commune_a1))

    assert response.status_code == 200
    assert "Xã Phú Đình" in html(response) and "Huyện Định Hóa" in html(response)


@pytest.mark.parametrize("persona", IN_SCOPE_OF_A1)
def test_each_role_sees_the_matrix_of_its_communes(client, request, persona, geography, criteria_set):
    assess(geography.commune_a1, criteria_set, met=(1, 2, 3))
    client.force_login(request.getfixturevalue(persona))

    response = client.get(MATRIX_URL)

    assert response.status_code == 200
    names = [line.progress.name for line in response.context["lines"]]
    assert "Xã Phú Đình" in names
    assert ("Xã Yên Ninh" in names) == (persona == "province_coordinator")


@pytest.mark.parametrize(
    ("persona", "commune"),
    [
        ("commune_official_b1", "commune_a1"),
        ("district_officer_a", "commune_b1"),
        ("commune_official_a1", "commune_a2"),
        ("agency_liaison", "commune_b1"),
    ],
)
def test_a_commune_outside_the_users_scope_is_not_found(client, request, geography, persona, commune):
    client.force_login(request.getfixturevalue(persona))

    assert client.get(detail_url(getattr(geography, commune))).status_code == 404


def test_a_unit_that_is_not_a_commune_or_does_not_exist_is_not_found(client, province_coordinator, geography):
    client.force_login(province_coordinator)

    assert client.get(detail_url(geography.district_a)).status_code == 404
    assert client.get("/communes/999999/").status_code == 404
    assert client.get(f"/communes/{2**64}/").status_code == 404  # beyond any key: not an overflow error


def test_the_matrix_of_a_unit_outside_the_users_scope_is_not_found(client, district_officer_a, geography):
    client.force_login(district_officer_a)

    assert client.get(MATRIX_URL, {"unit": geography.district_b.pk}).status_code == 404
    assert client.get(MATRIX_URL, {"unit": geography.district_a.pk}).status_code == 200


def test_a_liaison_sees_only_its_assigned_communes_in_the_matrix_of_their_province(
    client, agency_liaison, geography, criteria_set
):
    client.force_login(agency_liaison)

    response = client.get(MATRIX_URL, {"unit": geography.province.pk})

    assert [line.progress.name for line in response.context["lines"]] == ["Xã Phú Đình"]


def test_a_commune_official_sees_only_its_commune_in_the_matrix(client, commune_official_a1, geography):
    client.force_login(commune_official_a1)

    response = client.get(MATRIX_URL)

    assert response.context["matrix"].unit == geography.commune_a1
    assert [line.progress.name for line in response.context["lines"]] == ["Xã Phú Đình"]
    assert client.get(MATRIX_URL, {"unit": geography.district_a.pk}).status_code == 404  # above its own unit
    assert client.get(MATRIX_URL, {"unit": geography.commune_b1.pk}).status_code == 404


def test_a_user_without_a_unit_sees_empty_pages_rather_than_an_error(client, db):
    client.force_login(UserFactory(username="lost"))

    assert client.get(LIST_URL).context["page"].paginator.count == 0
    response = client.get(MATRIX_URL)
    assert response.status_code == 200 and response.context["matrix"] is None


# --- 1. the list: columns, filters one by one, search, sorting, paging, Excel --------------------------------------


def test_the_list_shows_code_district_level_score_unmet_criteria_and_target_year(
    client, province_coordinator, geography, criteria_set
):
    commune = geography.commune_a1
    commune.ntm_level, commune.target_year = NtmLevel.STANDARD, 2027
    commune.save()
    assess(commune, criteria_set, met=(1, 2, 3), not_met=(4,))
    client.force_login(province_coordinator)

    response = client.get(LIST_URL)

    row = next(r for r in response.context["page"].object_list if r.commune == commune)
    assert (row.score, row.unmet_numbers) == ("3/5", "4, 5")
    content = html(response)
    for text in ("05554", "Xã Phú Đình", "Huyện Định Hóa", "Đạt chuẩn NTM", "3/5", "4, 5", "2027"):
        assert text in content


def test_the_search_finds_a_commune_typed_without_diacritics(client, province_coordinator, geography):
    CommuneFactory(name="Xã Định Thông", parent=geography.district_b)
    client.force_login(province_coordinator)

    assert listed(client.get(LIST_URL, {"q": "dinh thong"})) == ["Xã Định Thông"]
    assert listed(client.get(LIST_URL, {"q": "PHU DINH"})) == ["Xã Phú Đình"]


def test_the_list_filters_by_district(client, province_coordinator, geography):
    client.force_login(province_coordinator)

    response = client.get(LIST_URL, {"district_id": geography.district_b.pk})

    assert listed(response) == ["Xã Yên Ninh"]


def test_the_list_filters_by_ntm_level(client, province_coordinator, geography):
    RecognitionFactory(commune=geography.commune_a2, level=NtmLevel.ADVANCED, decision_date=datetime.date(2024, 5, 2))
    client.force_login(province_coordinator)

    assert listed(client.get(LIST_URL, {"ntm_level": NtmLevel.ADVANCED})) == ["Xã Sơn Phú"]
    assert sorted(listed(client.get(LIST_URL, {"ntm_level": NtmLevel.NOT_YET}))) == ["Xã Phú Đình", "Xã Yên Ninh"]


def test_the_list_filters_by_region(client, province_coordinator, geography):
    geography.commune_b1.region = Region.RED_RIVER_DELTA
    geography.commune_b1.save()
    client.force_login(province_coordinator)

    assert listed(client.get(LIST_URL, {"region": Region.RED_RIVER_DELTA})) == ["Xã Yên Ninh"]


def test_the_list_filters_by_commune_group(client, province_coordinator, geography):
    geography.commune_a2.commune_group = CommuneGroup.ETHNIC_MOUNTAIN
    geography.commune_a2.save()
    client.force_login(province_coordinator)

    assert listed(client.get(LIST_URL, {"commune_group": CommuneGroup.ETHNIC_MOUNTAIN})) == ["Xã Sơn Phú"]


def test_the_list_filters_especially_disadvantaged_and_designated_communes(client, province_coordinator, geography):
    geography.commune_a1.especially_disadvantaged = True
    geography.commune_a1.save()
    geography.commune_b1.designated_special = True
    geography.commune_b1.save()
    client.force_login(province_coordinator)

    assert listed(client.get(LIST_URL, {"especially_disadvantaged": "true"})) == ["Xã Phú Đình"]
    assert listed(client.get(LIST_URL, {"designated_special": "true"})) == ["Xã Yên Ninh"]
    assert sorted(listed(client.get(LIST_URL, {"designated_special": "false"}))) == ["Xã Phú Đình", "Xã Sơn Phú"]


def test_the_list_filters_by_target_year(client, province_coordinator, geography):
    geography.commune_a2.target_year = 2028
    geography.commune_a2.save()
    client.force_login(province_coordinator)

    assert listed(client.get(LIST_URL, {"target_year": 2028})) == ["Xã Sơn Phú"]


def test_the_list_filters_by_a_range_of_criteria_met(client, province_coordinator, geography, criteria_set):
    assess(geography.commune_a1, criteria_set, met=(1, 2))
    assess(geography.commune_a2, criteria_set, met=(1, 2, 3, 4))
    assess(geography.commune_b1, criteria_set, met=(1, 2, 3, 4, 5))
    client.force_login(province_coordinator)

    assert listed(client.get(LIST_URL, {"score_min": 3, "score_max": 4})) == ["Xã Sơn Phú"]
    assert listed(client.get(LIST_URL, {"score_min": 5})) == ["Xã Yên Ninh"]
    assert listed(client.get(LIST_URL, {"score_max": 2})) == ["Xã Phú Đình"]


def test_the_list_filters_communes_with_a_cadre_on_secondment_today(client, province_coordinator, geography):
    today = timezone.localdate()
    cadre = CadreFactory(home_agency=AgencyFactory(unit=geography.province))
    SecondmentFactory(commune=geography.commune_a2, cadre=cadre, start_date=today - datetime.timedelta(days=30))
    SecondmentFactory(  # ended: no longer there
        commune=geography.commune_b1,
        cadre=cadre,
        start_date=datetime.date(2016, 3, 15),
        actual_end_date=datetime.date(2017, 1, 1),
    )
    client.force_login(province_coordinator)

    assert listed(client.get(LIST_URL, {"seconded": "true"})) == ["Xã Sơn Phú"]
    assert sorted(listed(client.get(LIST_URL, {"seconded": "false"}))) == ["Xã Phú Đình", "Xã Yên Ninh"]


def test_the_list_filters_by_a_sponsor_agency(client, province_coordinator, geography):
    enterprise = AgencyFactory(name="Công ty Cổ phần Chè Xanh", unit=geography.province)
    SponsorAssignmentFactory(agency=enterprise, commune=geography.commune_b1, role=SponsorRole.TWINNED)
    client.force_login(province_coordinator)

    response = client.get(LIST_URL, {"sponsor_id": enterprise.pk})

    assert listed(response) == ["Xã Yên Ninh"]
    assert "Công ty Cổ phần Chè Xanh" in html(response)  # offered in the filter


def test_the_list_scores_against_the_chosen_criteria_set(client, province_coordinator, geography, criteria_set):
    assess(geography.commune_a1, criteria_set, met=(1, 2, 3))
    other = CriteriaSetFactory(code="tinh-rieng", period_start=2000, period_end=2100, criteria_count=2)
    assess(geography.commune_a1, other, met=(1,), year=2021)
    client.force_login(province_coordinator)

    response = client.get(LIST_URL, {"criteria_set": "tinh-rieng", "q": "phu dinh"})

    assert response.context["criteria_set"] == other
    assert response.context["page"].object_list[0].score == "1/2"


def test_the_pages_score_against_the_set_in_force_with_the_previous_sets_result_beside(
    client, province_coordinator, geography
):
    # Early in a new period nobody has assessed against the year's set yet: the latest rounds are the old set's.
    old = CriteriaSetFactory(code="cu", period_start=2000, period_end=2020, criteria_count=3)
    new = CriteriaSetFactory(code="moi", period_start=2021, period_end=2100, criteria_count=2)
    assess(geography.commune_a1, old, met=(1, 2), year=2020)
    client.force_login(province_coordinator)

    response = client.get(LIST_URL)
    assert response.context["criteria_set"] == new
    assert client.get(MATRIX_URL).context["matrix"].criteria_set == new
    [row] = [r for r in response.context["page"].object_list if r.commune == geography.commune_a1]
    assert (row.score, row.progress.previous_criteria_met, row.progress.previous_criteria_total) == ("—", 2, 3)
    assert "bộ trước: 2/3" in response.content.decode()
    matrix_lines = client.get(MATRIX_URL).context["lines"]
    assert any("bộ trước: 2/3" in str(line.html) for line in matrix_lines)  # the matrix says so too

    assess(geography.commune_a1, new, met=(1,), year=2021)

    [row] = [r for r in client.get(LIST_URL).context["page"].object_list if r.commune == geography.commune_a1]
    assert (row.score, row.progress.previous_criteria_met) == ("1/2", None)


def test_the_list_sorts_by_name_and_by_score(client, province_coordinator, geography, criteria_set):
    assess(geography.commune_a1, criteria_set, met=(1, 2))
    assess(geography.commune_b1, criteria_set, met=(1, 2, 3, 4))
    client.force_login(province_coordinator)

    assert listed(client.get(LIST_URL, {"sort": "name"})) == ["Xã Phú Đình", "Xã Sơn Phú", "Xã Yên Ninh"]
    assert listed(client.get(LIST_URL, {"sort": "-name"})) == ["Xã Yên Ninh", "Xã Sơn Phú", "Xã Phú Đình"]
    # Highest first; a commune without a round last, whichever way.
    assert listed(client.get(LIST_URL, {"sort": "-score"})) == ["Xã Yên Ninh", "Xã Phú Đình", "Xã Sơn Phú"]
    assert listed(client.get(LIST_URL, {"sort": "score"})) == ["Xã Phú Đình", "Xã Yên Ninh", "Xã Sơn Phú"]


def test_the_list_is_paginated_by_fifty(client, province_coordinator, geography):
    for number in range(50):
        CommuneFactory(parent=geography.district_b, code=f"9{number:04d}")
    client.force_login(province_coordinator)

    first = client.get(LIST_URL)
    second = client.get(LIST_URL, {"page": 2})

    assert len(first.context["page"].object_list) == 50
    assert len(second.context["page"].object_list) == 3
    assert second.context["page"].paginator.count == 53


def test_wrong_filter_values_are_explained_next_to_their_fields_never_a_server_error(
    client, province_coordinator, geography
):
    client.force_login(province_coordinator)

    response = client.get(
        LIST_URL, {"score_min": "abc", "score_max": 3, "target_year": "x", "district_id": 999999, "sort": "nonsense"}
    )

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert {"score_min", "target_year", "district_id"} <= set(errors)


@pytest.mark.parametrize(
    "params",
    [
        {"page": "abc"},
        {"page": 999},
        {"q": "x" * 500},
        {"criteria_set": "khong-co"},
        {"sponsor_id": 2**70},
        {"district_id": 2**70},
        {"score_min": -1},
        {"ntm_level": "bogus"},
        {"especially_disadvantaged": "maybe"},
    ],
)
def test_odd_list_parameters_never_cause_a_server_error(client, province_coordinator, geography, params):
    client.force_login(province_coordinator)

    assert client.get(LIST_URL, params).status_code == 200
    assert client.get(LIST_URL, {**params, "format": "xlsx"}).status_code == 200


@pytest.mark.parametrize(
    ("params", "status"),
    [({"unit": "abc"}, 200), ({"unit": 2**70}, 404), ({"as_of": "0001-01-01"}, 200), ({"criteria_set": "?"}, 200)],
)
def test_odd_matrix_parameters_never_cause_a_server_error(client, province_coordinator, geography, params, status):
    client.force_login(province_coordinator)

    assert client.get(MATRIX_URL, params).status_code == status


def test_a_score_range_upside_down_is_refused_in_words(client, province_coordinator, geography):
    client.force_login(province_coordinator)

    response = client.get(LIST_URL, {"score_min": 5, "score_max": 2})

    assert "Số tiêu chí “đến” phải không nhỏ hơn số “từ”." in html(response)


def test_the_list_exports_all_filtered_rows_to_excel_not_just_the_page(
    client, province_coordinator, geography, criteria_set
):
    for number in range(55):
        CommuneFactory(parent=geography.district_a, code=f"8{number:04d}")
    assess(geography.commune_a1, criteria_set, met=(1, 2, 3), not_met=(4,))
    client.force_login(province_coordinator)

    rows = sheet_rows(client.get(LIST_URL, {"district_id": geography.district_a.pk, "format": "xlsx"}))

    assert rows[0][:7] == (
        "Mã xã",
        "Xã",
        "Huyện",
        "Mức đạt chuẩn",
        "Số tiêu chí đạt",
        "Tổng số tiêu chí",
        "Tiêu chí chưa đạt",
    )
    assert len(rows) == 1 + 57  # A1, A2 and the 55 new communes of district A; B1 filtered out
    assert "Xã Yên Ninh" not in [row[1] for row in rows]
    phu_dinh = next(row for row in rows if row[1] == "Xã Phú Đình")
    assert phu_dinh[2:7] == ("Huyện Định Hóa", "Chưa đạt chuẩn", 3, 5, "4. Tiêu chí 4; 5. Tiêu chí 5")


def test_the_excel_export_follows_the_search_and_the_sort(client, province_coordinator, geography, criteria_set):
    assess(geography.commune_a1, criteria_set, met=(1,))
    assess(geography.commune_a2, criteria_set, met=(1, 2, 3))
    client.force_login(province_coordinator)

    rows = sheet_rows(
        client.get(LIST_URL, {"q": "phu", "district_id": geography.district_a.pk, "sort": "-score", "format": "xlsx"})
    )

    assert [row[1] for row in rows[1:]] == ["Xã Sơn Phú", "Xã Phú Đình"]


# --- 2. the matrix -------------------------------------------------------------------------------------------------


@pytest.fixture
def three_communes(geography, criteria_set):
    """A1 meets 1, 2, 3 and not 4 (5 not assessed); A2 meets all five; B1 has no round."""
    assess(geography.commune_a1, criteria_set, met=(1, 2, 3), not_met=(4,))
    assess(geography.commune_a2, criteria_set, met=(1, 2, 3, 4, 5))
    return geography


def test_the_matrix_marks_each_criterion_met_not_met_or_not_assessed(client, province_coordinator, three_communes):
    client.force_login(province_coordinator)

    response = client.get(MATRIX_URL)

    marks = {line.progress.name: line.row.marks for line in response.context["lines"]}
    assert marks == {
        "Xã Phú Đình": (True, True, True, False, None),
        "Xã Sơn Phú": (True, True, True, True, True),
        "Xã Yên Ninh": (None, None, None, None, None),
    }
    content = html(response)
    assert '<td class="y">●</td>' in content
    assert '<td class="n">○</td>' in content
    assert '<td class="u">·</td>' in content


def test_the_matrix_totals_criteria_per_commune_and_communes_per_criterion(
    client, province_coordinator, three_communes
):
    client.force_login(province_coordinator)

    response = client.get(MATRIX_URL)

    matrix = response.context["matrix"]
    assert matrix.communes_meeting == [2, 2, 2, 1, 1]
    assert matrix.communes_assessed == 2
    totals = {line.progress.name: line.progress.criteria_met for line in response.context["lines"]}
    assert totals == {"Xã Phú Đình": 3, "Xã Sơn Phú": 5, "Xã Yên Ninh": None}
    assert "3/5" in html(response) and "5/5" in html(response)


def test_the_matrix_escapes_commune_names_and_links_each_row_to_its_commune(
    client, province_coordinator, geography, criteria_set
):
    odd = CommuneFactory(name="Xã <b>Thử</b> & Co", parent=geography.district_a)
    client.force_login(province_coordinator)

    content = html(client.get(MATRIX_URL))

    assert "Xã &lt;b&gt;Thử&lt;/b&gt; &amp; Co" in content and "<b>Thử</b>" not in content
    assert f'<a href="{detail_url(odd)}">' in content
    assert f'<a href="{detail_url(geography.commune_b1)}">Xã Yên Ninh</a><small>Huyện Phú Lương</small>' in content


def test_the_matrix_of_a_district_lists_only_its_communes(client, province_coordinator, three_communes):
    client.force_login(province_coordinator)

    response = client.get(MATRIX_URL, {"unit": three_communes.district_a.pk})

    assert [line.progress.name for line in response.context["lines"]] == ["Xã Phú Đình", "Xã Sơn Phú"]
    assert response.context["matrix"].communes_meeting == [2, 2, 2, 1, 1]


def test_the_matrix_defaults_to_the_users_unit_and_today(client, district_officer_a, three_communes):
    client.force_login(district_officer_a)

    response = client.get(MATRIX_URL)

    assert response.context["matrix"].unit == three_communes.district_a
    assert response.context["as_of"] == timezone.localdate()


def test_the_matrix_is_as_of_a_date(client, province_coordinator, geography, criteria_set):
    assess(geography.commune_a1, criteria_set, met=(1,), year=2019)
    assess(geography.commune_a1, criteria_set, met=(1, 2, 3, 4), year=2022)
    client.force_login(province_coordinator)

    response = client.get(MATRIX_URL, {"as_of": "2020-06-30"})

    line = next(line for line in response.context["lines"] if line.progress.name == "Xã Phú Đình")
    assert line.progress.criteria_met == 1 and line.progress.round_year == 2019


def test_the_matrix_sorts_by_score(client, province_coordinator, three_communes):
    client.force_login(province_coordinator)

    response = client.get(MATRIX_URL, {"sort": "-score"})

    assert [line.progress.name for line in response.context["lines"]] == ["Xã Sơn Phú", "Xã Phú Đình", "Xã Yên Ninh"]


def test_a_wrong_date_on_the_matrix_is_explained_and_today_is_used(client, province_coordinator, three_communes):
    client.force_login(province_coordinator)

    response = client.get(MATRIX_URL, {"as_of": "31/02/2020"})

    assert response.status_code == 200
    assert "as_of" in response.context["form"].errors
    assert response.context["as_of"] == timezone.localdate()


def test_the_matrix_exports_marks_and_totals_to_excel(client, province_coordinator, three_communes):
    client.force_login(province_coordinator)

    rows = sheet_rows(client.get(MATRIX_URL, {"format": "xlsx"}))

    assert rows[0][:6] == ("Mã xã", "Xã", "Huyện", "Mức đạt chuẩn", "Số tiêu chí đạt", "Tổng số tiêu chí")
    assert rows[0][6] == "TC 1. Tiêu chí 1"
    by_name = {row[1]: row for row in rows[1:]}
    assert by_name["Xã Phú Đình"][4:] == (3, 5, "Đạt", "Đạt", "Đạt", "Chưa đạt", None)
    assert by_name["Xã Yên Ninh"][4] is None
    assert rows[-1][1] == "Số xã đạt" and rows[-1][6:] == (2, 2, 2, 1, 1)


# --- 3. the commune page -------------------------------------------------------------------------------------------


def test_the_commune_page_shows_the_header_and_the_recognition_decision(client, province_coordinator, geography):
    commune = geography.commune_a1
    recognition = RecognitionFactory(
        commune=commune,
        year=2020,
        decision_number="1234/QĐ-UBND",
        decision_date=datetime.date(2020, 12, 20),
        signer="Chủ tịch UBND tỉnh Thái Nguyên",
    )
    commune.ntm_level, commune.recognition, commune.target_year = NtmLevel.STANDARD, recognition, 2020
    commune.especially_disadvantaged, commune.commune_group = True, CommuneGroup.ETHNIC_MOUNTAIN
    commune.save()
    client.force_login(province_coordinator)

    content = html(client.get(detail_url(commune)))

    for text in (
        "Tỉnh Thái Nguyên",
        "Huyện Định Hóa",
        "Trung du miền núi phía Bắc",
        "Xã đặc biệt khó khăn",
        "Nhóm 3: xã khu vực II, III",
        "Đạt chuẩn NTM",
        "1234/QĐ-UBND",
        "20/12/2020",
        "Chủ tịch UBND tỉnh Thái Nguyên",
    ):
        assert text in content


def test_the_commune_page_shows_the_latest_rounds_criteria_with_the_unmet_ones_highlighted(
    client, commune_official_a1, geography, criteria_set
):
    assess(geography.commune_a1, criteria_set, met=(1,), year=2021)
    latest = assess(geography.commune_a1, criteria_set, met=(1, 2, 3), not_met=(4,), year=2022)
    client.force_login(commune_official_a1)

    response = client.get(detail_url(geography.commune_a1))

    data = response.context["data"]
    assert data.latest_round == latest
    assert [(c.number, c.met) for c in data.criteria] == [(1, True), (2, True), (3, True), (4, False), (5, None)]
    assert [c.number for c in data.unmet] == [4, 5]
    content = html(response)
    assert '<li class="is-unmet"><span class="number">4</span>' in content
    assert reverse("criteria:round_detail", args=[latest.pk]) in content
    assert reverse("criteria:commune_history", args=[geography.commune_a1.pk]) in content


def test_the_commune_page_draws_the_history_year_by_year(client, province_coordinator, geography, criteria_set):
    for year, met in ((2019, (1,)), (2020, (1, 2, 3)), (2021, (1, 2, 3, 4, 5))):
        assess(geography.commune_a1, criteria_set, met=met, year=year)
    client.force_login(province_coordinator)

    response = client.get(detail_url(geography.commune_a1))

    [(set_name, svg)] = response.context["rounds_charts"]  # one criteria set: one chart
    assert set_name == criteria_set.name
    texts = re.findall(r"<text[^>]*>([^<]*)</text>", svg)
    for label in ("2019", "2020", "2021", "1", "3", "5", "Đủ 5 tiêu chí"):  # the years, the scores, the full mark
        assert label in texts
    assert svg in html(response)
    assert not re.search(r'(?:x|y|width|height)="\d+,\d', svg)  # a dot, not the Vietnamese decimal comma, in SVG


def test_the_commune_page_shows_a_secondment_with_the_criteria_at_start_and_end(
    client, province_coordinator, geography
):
    SecondmentFactory(
        commune=geography.commune_a1,
        kind=SecondmentKind.ROTATED,
        cadre=CadreFactory(full_name="Ma Văn Hòa", home_agency=AgencyFactory(unit=geography.province)),
        role_at_commune="Phó Bí thư Đảng ủy, Chủ tịch UBND xã",
        batch=SecondmentBatchFactory(name="Đợt 2 năm 2016", province=geography.province),
        start_date=datetime.date(2016, 3, 15),
        actual_end_date=datetime.date(2016, 10, 15),
        criteria_met_at_start=9,
        criteria_met_at_end=19,
    )
    client.force_login(province_coordinator)

    content = html(client.get(detail_url(geography.commune_a1)))

    for text in (
        "Ma Văn Hòa",
        "Luân chuyển",
        "Phó Bí thư Đảng ủy, Chủ tịch UBND xã",
        "Đợt 2 năm 2016",
        "15/03/2016",
        "15/10/2016",
        "9 → 19",
        "(+10)",
    ):
        assert text in content


def test_the_commune_page_shows_sponsors_and_twinned_enterprises_with_their_decision(
    client, province_coordinator, geography
):
    enterprise = AgencyFactory(name="Công ty TNHH Nông sản Sông Cầu", unit=geography.province)
    SponsorAssignmentFactory(
        agency=enterprise,
        commune=geography.commune_a1,
        role=SponsorRole.TWINNED,
        decision_number="140-QĐ/TU",
        decided_by="Ban Thường vụ Tỉnh ủy",
    )
    client.force_login(province_coordinator)

    content = html(client.get(detail_url(geography.commune_a1)))

    assert "Công ty TNHH Nông sản Sông Cầu" in content and "Doanh nghiệp kết nghĩa" in content
    assert "140-QĐ/TU" in content and "Ban Thường vụ Tỉnh ủy" in content


def test_the_commune_page_warns_when_the_assigned_agencies_rarely_come(client, province_coordinator, geography):
    today = timezone.localdate()
    agency = AgencyFactory(name="Sở Giao thông vận tải", unit=geography.province)
    SponsorAssignmentFactory(agency=agency, commune=geography.commune_a1)
    for days_ago in (20, 200):  # two short visits in the last 12 months, one more before them
        FieldVisitFactory(
            agency=agency,
            commune=geography.commune_a1,
            visit_date=today - datetime.timedelta(days=days_ago),
            days_on_site="0.5",
            hours_on_site=3,
            activities="Kiểm tra công trình đường giao thông nông thôn",
        )
    FieldVisitFactory(agency=agency, commune=geography.commune_a1, visit_date=today - datetime.timedelta(days=400))
    client.force_login(province_coordinator)

    response = client.get(detail_url(geography.commune_a1))

    data = response.context["data"]
    assert (data.visits_in_window, data.days_in_window, data.hours_in_window) == (2, 1.0, 6.0)
    assert data.low_visits and LOW_VISIT_THRESHOLD == 4
    content = html(response)
    assert "Ít đến xã:" in content and "chỉ đến xã 2 lần trong 12 tháng qua (dưới 4 lần)" in content
    assert "Kiểm tra công trình đường giao thông nông thôn" in content
    assert "ít đến xã" in content  # the agency's own line is flagged


def test_the_commune_page_does_not_warn_when_the_agencies_come_often(client, province_coordinator, geography):
    today = timezone.localdate()
    agency = AgencyFactory(unit=geography.province)
    SponsorAssignmentFactory(agency=agency, commune=geography.commune_a1)
    for days_ago in range(10, 10 + 30 * LOW_VISIT_THRESHOLD, 30):
        FieldVisitFactory(agency=agency, commune=geography.commune_a1, visit_date=today - datetime.timedelta(days_ago))
    client.force_login(province_coordinator)

    response = client.get(detail_url(geography.commune_a1))

    assert response.context["data"].visits_in_window == LOW_VISIT_THRESHOLD
    assert "Ít đến xã:" not in html(response)


def test_a_commune_without_assigned_agencies_gets_no_visit_warning(client, province_coordinator, geography):
    client.force_login(province_coordinator)

    assert "Ít đến xã:" not in html(client.get(detail_url(geography.commune_b1)))


def test_the_commune_page_totals_support_in_vietnamese_dong(client, province_coordinator, geography):
    enterprise = AgencyFactory(unit=geography.province, name="Công ty Cổ phần Thực phẩm An Khánh")
    for kind, value in (
        (SupportKind.CASH, 12_000_000_000),
        (SupportKind.INFRASTRUCTURE, 10_000_000_000),
        (SupportKind.TRAINING, 500_000_000),
    ):
        SupportContributionFactory(giver=enterprise, commune=geography.commune_a1, kind=kind, value_vnd=value)
    client.force_login(province_coordinator)

    response = client.get(detail_url(geography.commune_a1))

    assert response.context["support_total"] == "22.500.000.000 đ"
    content = html(response)
    assert "22.500.000.000 đ" in content and "12.000.000.000 đ" in content and "500.000.000 đ" in content
    assert "Công ty Cổ phần Thực phẩm An Khánh" in content


def test_vnd_is_written_with_dots_between_thousands():
    assert (vnd(22_500_000_000), vnd(0), vnd(None), vnd(999)) == ("22.500.000.000 đ", "0 đ", "0 đ", "999 đ")


def test_the_commune_page_counts_work_plan_items_done_late_and_open(client, province_coordinator, geography):
    today = timezone.localdate()
    agency = AgencyFactory(unit=geography.province)
    work_plan = WorkPlanFactory(assignment=SponsorAssignmentFactory(agency=agency, commune=geography.commune_a1))
    WorkPlanItemFactory(
        work_plan=work_plan,
        due_date=today - datetime.timedelta(days=40),
        status=PlanItemStatus.DONE,
        done_on=today - datetime.timedelta(days=45),
    )
    WorkPlanItemFactory(work_plan=work_plan, due_date=today - datetime.timedelta(days=10), title="Rà soát hộ nghèo")
    WorkPlanItemFactory(work_plan=work_plan, due_date=today + datetime.timedelta(days=10))
    WorkPlanItemFactory(work_plan=work_plan, due_date=today + datetime.timedelta(days=50))
    client.force_login(province_coordinator)

    response = client.get(detail_url(geography.commune_a1))

    plan = response.context["data"].plan
    assert (plan.done, plan.late, plan.open) == (1, 1, 2)
    assert "Rà soát hộ nghèo" in html(response) and "Quá hạn" in html(response)


def test_the_commune_page_links_the_latest_rounds_evidence_to_the_scoped_download(
    client, commune_official_a1, geography, criteria_set
):
    older = assess(geography.commune_a1, criteria_set, met=(1,), year=2021)
    latest = assess(geography.commune_a1, criteria_set, met=(1, 2), year=2022)
    old_file = EvidenceFileFactory(assessment_round=older, description="Biên bản năm 2021")
    new_file = EvidenceFileFactory(assessment_round=latest, description="Biên bản họp thôn 2022")
    client.force_login(commune_official_a1)

    content = html(client.get(detail_url(geography.commune_a1)))

    assert reverse("criteria:evidence_download", args=[new_file.pk]) in content
    assert "Biên bản họp thôn 2022" in content
    assert reverse("criteria:evidence_download", args=[old_file.pk]) not in content


def test_the_commune_page_of_a_commune_without_any_record_still_renders(client, province_coordinator, geography):
    client.force_login(province_coordinator)

    response = client.get(detail_url(geography.commune_b1))

    assert response.status_code == 200
    assert "Xã chưa có kỳ đánh giá nào." in html(response)


def test_the_pages_use_the_communes_stylesheet_and_no_outside_resources(
    client, province_coordinator, geography, criteria_set
):
    assess(geography.commune_a1, criteria_set, met=(1,))
    client.force_login(province_coordinator)

    for url in (LIST_URL, MATRIX_URL, detail_url(geography.commune_a1)):
        content = html(client.get(url))
        assert "css/communes.css" in content and 'name="viewport"' in content
        assert "https://" not in content and "http://" not in content


# --- queries -------------------------------------------------------------------------------------------------------


def communes_with_rounds(parent, criteria_set, count):
    for _ in range(count):
        commune = CommuneFactory(parent=parent)
        assess(commune, criteria_set, met=(1, 2), not_met=(3,))


def test_the_list_costs_the_same_queries_for_2_communes_as_for_20(client, criteria_set, django_assert_num_queries):
    province = ProvinceFactory()
    district = DistrictFactory(parent=province)
    client.force_login(UserFactory(role="province_coordinator", unit=province))
    communes_with_rounds(district, criteria_set, 2)
    client.get(LIST_URL)  # warm-up: the session row is written on the first request
    expected = queries_of(client, LIST_URL)
    communes_with_rounds(district, criteria_set, 18)
    # 12: session, user, the user's unit; the filter form's districts, criteria sets and sponsor agencies; the set in
    # in force; the communes counted; one page of them (district joined); commune_progress_for's three (the set's
    # criteria, the set in force before it, the communes with their standing on both).
    assert expected == 12
    with django_assert_num_queries(expected):
        response = client.get(LIST_URL)
    assert len(response.context["page"].object_list) == 20


def test_the_list_sorted_by_score_costs_the_same_queries_for_2_communes_as_for_20(
    client, criteria_set, django_assert_num_queries
):
    province = ProvinceFactory()
    district = DistrictFactory(parent=province)
    client.force_login(UserFactory(role="province_coordinator", unit=province))
    params = {"sort": "-score", "score_min": 1}
    communes_with_rounds(district, criteria_set, 2)
    client.get(LIST_URL, params)
    expected = queries_of(client, LIST_URL, params)
    communes_with_rounds(district, criteria_set, 18)
    # 12: as the list by code: the database filters, sorts and pages by the standing's score.
    assert expected == 12
    with django_assert_num_queries(expected):
        response = client.get(LIST_URL, params)
    assert len(response.context["page"].object_list) == 20


def test_the_matrix_costs_the_same_queries_for_2_communes_as_for_20(client, criteria_set, django_assert_num_queries):
    province = ProvinceFactory()
    district = DistrictFactory(parent=province)
    client.force_login(UserFactory(role="province_coordinator", unit=province))
    communes_with_rounds(district, criteria_set, 2)
    client.get(MATRIX_URL)
    expected = queries_of(client, MATRIX_URL)
    communes_with_rounds(district, criteria_set, 18)
    # 12: session, user, the user's unit; the units to choose from; the set in force; the set's criteria; the
    # communes the user sees in the unit; commune_progress_list's three (the set's criteria, the set before it, the
    # communes with their standing); the not-met results; the form's criteria sets.
    assert expected == 12
    with django_assert_num_queries(expected):
        response = client.get(MATRIX_URL)
    assert len(response.context["lines"]) == 20


def test_the_commune_page_costs_the_same_queries_for_2_records_of_each_kind_as_for_20(
    client, province_coordinator, geography, django_assert_num_queries
):
    today = timezone.localdate()
    commune = geography.commune_a1
    criteria_set = CriteriaSetFactory(period_start=1990, period_end=2100, criteria_count=5)
    agency = AgencyFactory(unit=geography.province)
    assignment = SponsorAssignmentFactory(agency=agency, commune=commune)
    work_plan = WorkPlanFactory(assignment=assignment)
    criteria = list(criteria_set.criteria.all())
    years = iter(range(2000, 2100))

    def records(count):
        for n in range(count):
            assessment_round = assess(commune, criteria_set, met=(1, 2), not_met=(3,), year=next(years))
            EvidenceFileFactory(assessment_round=assessment_round)
            SecondmentFactory(
                commune=commune,
                cadre=CadreFactory(home_agency=agency),
                batch=SecondmentBatchFactory(province=geography.province),
                criteria_met_at_start=5,
                criteria_met_at_end=9,
                actual_end_date=datetime.date(2017, 1, 1),
            )
            visit = FieldVisitFactory(agency=agency, commune=commune, visit_date=today - datetime.timedelta(days=n))
            visit.criteria_addressed.set(criteria[:2])
            SupportContributionFactory(
                giver=AgencyFactory(unit=geography.province), commune=commune, criterion=criteria[0]
            )
            WorkPlanItemFactory(
                work_plan=work_plan, due_date=today + datetime.timedelta(days=n - 5), criterion=criteria[1]
            )

    client.force_login(province_coordinator)
    url = detail_url(commune)
    records(2)
    client.get(url)
    expected = queries_of(client, url)
    records(18)
    # 21: session, user, the user's unit; the commune (district, province, recognition joined); its rounds with their
    # scores; the latest round's criteria with their results; its unmet criteria in the ledger; its standing today
    # (the set in force, the set before it, the standing); the communes it was formed from; its evidence; the
    # secondments (cadre, agency, batch); the assignments (agency); the visits per agency; the recent visits (agency,
    # cadre) and their criteria; the support per kind; the recent contributions (giver, criterion); the work-plan
    # counts; the open items (agency, criterion).
    assert expected == 21
    with django_assert_num_queries(expected):
        response = client.get(url)
    data = response.context["data"]
    assert (len(data.rounds), len(data.secondments), data.visits_in_window) == (20, 20, 20)
