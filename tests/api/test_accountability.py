"""The dashboards' accountability endpoints (issue 8): what became of the communes the cadres were sent to, which
sponsors came and what they gave, and when each commune and target gets there on the present trend.

Every figure is checked in the JSON against the hand-built cases of tests/accountability_cases.py, whose docstrings
show how to count them by hand; then who may read what, bad input, and fixed query counts."""

import dataclasses
import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from criteria.forecast import CommuneForecast, TargetOutlook, UnitForecast
from criteria.models import Criterion
from ntm_portal.choices import Role
from secondments.choices import SupportKind
from secondments.selectors import (
    AgencyAccountability,
    OutcomeFigures,
    OutcomeGroup,
    QuarterActivity,
    SecondmentResult,
    SecondmentResults,
    SponsorAccountability,
    SupportLine,
)
from tests.accountability_cases import assessed, national_set
from tests.communes.factories import CommuneFactory, ProvinceFactory
from tests.ntm_portal.factories import UserFactory
from tests.secondments.factories import (
    AgencyFactory,
    CadreFactory,
    FieldVisitFactory,
    SecondmentFactory,
    SponsorAssignmentFactory,
    SupportContributionFactory,
)

pytestmark = pytest.mark.django_db

D = datetime.date
ENDPOINTS = ("secondment-results", "sponsor-accountability", "forecast")


def url(unit, endpoint: str) -> str:
    return f"/api/v1/dashboards/{unit.pk}/{endpoint}/"


def get(client, unit, endpoint: str, **query) -> dict:
    response = client.get(url(unit, endpoint), query)
    assert response.status_code == 200, response.content
    return response.json()


@pytest.fixture
def coordinator(api, province_coordinator):
    return api(province_coordinator)


def figures(group: dict, side: str) -> tuple:
    f = group[side]
    return (
        f["communes_meeting_standard"],
        f["communes"],
        f["percent_meeting_standard"],
        f["median_criteria_gained"],
        f["median_months_to_standard"],
    )


# --- secondment results --------------------------------------------------------------------------------------------


def test_it_counts_13_of_20_seconded_communes_reaching_the_standard_against_2_of_9_without_a_cadre(
    coordinator, seconded
):
    body = get(coordinator, seconded.district, "secondment-results", as_of=seconded.as_of.isoformat())

    overall = body["overall"]
    assert (body["as_of"], body["months_after"], body["listing_limited"]) == ("2020-12-31", 12, False)
    assert figures(overall, "seconded") == (13, 20, 65.0, 11.0, 15.0)
    assert (seconded.communes_meeting_standard, seconded.communes, seconded.percent_meeting_standard) == (13, 20, 65.0)
    assert figures(overall, "comparison") == (2, 9, 22.2, None, 21.0)
    assert (seconded.comparison_reaching, seconded.comparison_percent, seconded.comparison_median_months) == (
        2,
        22.2,
        21.0,
    )
    assert (overall["secondments"], overall["already_meeting"]) == (20, 0)
    assert (overall["period_start"], overall["period_end"]) == ("2016-03-01", "2017-12-31")


def test_each_home_agency_and_batch_has_its_own_n_of_m(coordinator, seconded):
    body = get(coordinator, seconded.district, "secondment-results", as_of="2020-12-31")

    assert [(g["label"], *figures(g, "seconded")) for g in body["home_agencies"]] == [
        ("Ban Tổ chức Tỉnh ủy", 12, 12, 100.0, 11.0, 15.0),
        ("Sở Nông nghiệp và Môi trường", 1, 8, 12.5, 4.0, 30.0),
    ]
    assert [g["key"] for g in body["home_agencies"]] == [
        f"agency-{seconded.agency_a.pk}",
        f"agency-{seconded.agency_b.pk}",
    ]
    assert [(g["label"], g["key"], *figures(g, "seconded")[:2]) for g in body["batches"]] == [
        ("Đợt 1 năm 2016", f"batch-{seconded.batch.pk}", 13, 20)
    ]


def test_each_secondment_row_names_its_commune_and_how_it_ended(coordinator, seconded):
    rows = get(coordinator, seconded.district, "secondment-results", as_of="2020-12-31")["secondments"]

    assert len(rows) == 20
    by_commune = {row["commune_name"]: row for row in rows}
    first, eleventh, fourteenth, last = (by_commune[f"Xã Biệt Phái {n:02d}"] for n in (1, 11, 14, 20))
    assert first["commune_id"] == seconded.seconded[0].pk
    assert first["district_name"] == "Huyện Biệt Phái"
    assert (first["outcome"], first["reached"], first["months_to_standard"]) == ("during", True, 15)
    assert (first["criteria_at_start"], first["criteria_at_end"], first["criteria_gained"]) == (8, 19, 11)
    assert (eleventh["outcome"], eleventh["standard_reached_on"], eleventh["months_to_standard"]) == (
        "after",
        "2018-09-01",
        30,
    )
    assert (fourteenth["outcome"], fourteenth["reached"], fourteenth["criteria_gained"]) == ("later", False, 4)
    assert (last["outcome"], last["standard_reached_on"], last["months_to_standard"]) == ("not_yet", None, None)
    assert (first["end_date"], first["still_running"], first["batch_name"]) == ("2017-12-31", False, "Đợt 1 năm 2016")


def test_with_no_months_after_only_the_communes_reaching_it_while_the_cadre_was_there_count(coordinator, seconded):
    body = get(coordinator, seconded.district, "secondment-results", as_of="2020-12-31", months_after=0)

    assert body["months_after"] == 0
    assert figures(body["overall"], "seconded")[:3] == (10, 20, 50.0)
    after = [row for row in body["secondments"] if row["commune_name"] in {"Xã Biệt Phái 11", "Xã Biệt Phái 12"}]
    assert [(row["outcome"], row["reached"]) for row in after] == [("later", False), ("later", False)]
    assert [figures(g, "seconded")[:2] for g in body["home_agencies"]] == [(10, 12), (0, 8)]


def test_a_unit_without_secondments_has_no_overall_group(coordinator, geography):
    body = get(coordinator, geography.district_b, "secondment-results", as_of="2020-12-31")

    assert (body["overall"], body["secondments"], body["batches"], body["home_agencies"]) == (None, [], [], [])


# --- sponsor accountability ----------------------------------------------------------------------------------------


def test_it_flags_the_enterprise_that_came_once_for_a_few_hours(coordinator, sponsors):
    body = get(coordinator, sponsors.province, "sponsor-accountability", as_of="2024-08-15")

    assert (body["year"], body["quarters"], body["agencies_flagged"]) == (2024, [1, 2, 3], sponsors.agencies_flagged)
    assert (body["min_visits_per_commune"], body["min_days_per_commune"]) == (1, 1.0)
    enterprise = body["agencies"][0]  # flagged first
    assert (enterprise["agency_id"], enterprise["agency_name"], enterprise["kind"]) == (
        sponsors.enterprise.pk,
        "Công ty Chè Thử",
        "enterprise",
    )
    assert (enterprise["flagged"], enterprise["quarters_below_minimum"], enterprise["field_visits"]) == (True, 2, 1)
    assert (enterprise["days_on_site"], enterprise["hours_on_site"]) == (0.5, 4.0)
    assert [
        (
            q["quarter"],
            q["complete"],
            q["field_visits"],
            [c["name"] for c in q["communes_not_visited"]],
            q["below_minimum"],
        )
        for q in enterprise["quarters"]
    ] == [
        (1, True, 1, [], True),
        (2, True, 0, ["Xã Đỡ Đầu Z"], True),
        (3, False, 0, ["Xã Đỡ Đầu Z"], False),  # Q3 has not ended on 15 August: shown, not flagged
    ]


def test_the_diligent_and_the_late_assigned_sponsors_are_not_flagged(coordinator, sponsors):
    agencies = {
        a["agency_id"]: a
        for a in get(coordinator, sponsors.province, "sponsor-accountability", as_of="2024-08-15")["agencies"]
    }

    health, transport = agencies[sponsors.health.pk], agencies[sponsors.transport.pk]
    assert (health["flagged"], health["field_visits"], health["days_on_site"], health["communes_assigned"]) == (
        False,
        6,
        7.0,
        2,
    )
    assert [(q["field_visits"], q["days_on_site"]) for q in health["quarters"]] == [(3, 3.0), (2, 3.0), (1, 1.0)]
    assert health["quarters"][2]["communes_not_visited"] == [{"id": sponsors.communes["Y"].pk, "name": "Xã Đỡ Đầu Y"}]
    assert (transport["agency_name"], transport["flagged"]) == ("Sở GTVT", False)
    assert [(q["communes_assigned"], q["below_minimum"]) for q in transport["quarters"]] == [
        (0, False),  # assigned from 1 May
        (1, False),
        (1, False),
    ]


def test_the_support_of_the_year_is_broken_down_by_agency_kind_and_criterion(coordinator, sponsors):
    body = get(coordinator, sponsors.province, "sponsor-accountability", as_of="2024-08-15")

    criteria = dict(Criterion.objects.filter(criteria_set__code="test-national-2021").values_list("number", "pk"))
    assert body["support_value_vnd"] == sponsors.support_total_vnd == 2_150_000_000
    assert [(line["key"], line["value_vnd"]) for line in body["support_by_kind"]] == [
        (SupportKind.CASH, 100_000_000),
        (SupportKind.IN_KIND, 0),
        (SupportKind.TRAINING, 50_000_000),
        (SupportKind.INFRASTRUCTURE, 2_000_000_000),
        (SupportKind.SOCIAL_WELFARE, 0),
    ]
    assert [(line["key"], line["label"], line["value_vnd"]) for line in body["support_by_criterion"]] == [
        (str(criteria[2]), "Tiêu chí 2. Tiêu chí 2", 2_000_000_000),
        (str(criteria[15]), "Tiêu chí 15. Tiêu chí 15", 100_000_000),
        ("", "Không gắn với tiêu chí", 50_000_000),
    ]
    assert [(line["label"], line["value_vnd"]) for line in body["support_by_agency"]] == [
        ("Công ty Chè Thử", 2_050_000_000),
        ("Sở Y tế", 100_000_000),
    ]


def test_it_counts_the_work_plan_items_done_late_and_open(coordinator, sponsors):
    body = get(coordinator, sponsors.province, "sponsor-accountability", as_of="2024-08-15")

    assert (
        (body["plan_items_done"], body["plan_items_late"], body["plan_items_open"])
        == (
            sponsors.plan_items_done,
            sponsors.plan_items_late,
            sponsors.plan_items_open,
        )
        == (2, 3, 1)
    )
    agencies = {a["agency_id"]: a for a in body["agencies"]}
    assert [
        (agencies[a.pk]["plan_items_done"], agencies[a.pk]["plan_items_late"], agencies[a.pk]["plan_items_open"])
        for a in (sponsors.health, sponsors.enterprise)
    ] == [(2, 1, 1), (0, 2, 0)]


def test_a_lower_minimum_of_days_clears_the_enterprises_first_quarter(coordinator, sponsors):
    body = get(coordinator, sponsors.province, "sponsor-accountability", as_of="2024-08-15", min_days="0.5")

    enterprise = next(a for a in body["agencies"] if a["agency_id"] == sponsors.enterprise.pk)
    assert body["min_days_per_commune"] == 0.5
    assert [q["below_minimum"] for q in enterprise["quarters"]] == [False, True, False]  # Q2: no visit at all
    assert (enterprise["quarters_below_minimum"], body["agencies_flagged"]) == (1, 1)

    nothing_asked = get(
        coordinator, sponsors.province, "sponsor-accountability", as_of="2024-08-15", min_visits=0, min_days=0
    )
    assert nothing_asked["agencies_flagged"] == 0


def test_the_year_opens_on_the_last_one_with_a_visit(coordinator, sponsors):
    body = get(coordinator, sponsors.province, "sponsor-accountability", as_of="2025-02-01")

    assert (body["year"], body["quarters"]) == (2024, [1, 2, 3, 4])
    assert body["support_value_vnd"] == 2_150_000_000
    assert (
        get(coordinator, sponsors.province, "sponsor-accountability", as_of="2025-02-01", year=2023)[
            "support_value_vnd"
        ]
        == 999_000_000
    )


# --- forecast ------------------------------------------------------------------------------------------------------


def test_it_shows_the_district_missing_its_2025_target_by_one_commune(coordinator, forecast):
    outlook = get(coordinator, forecast.district, "forecast", as_of="2023-12-31")["outlook"]

    assert (outlook["unit_id"], outlook["name"], outlook["decision"]) == (
        forecast.district.pk,
        "Huyện Dự Báo",
        "NQ thử 01",
    )
    assert (
        outlook["target_year"],
        outlook["target_communes_meeting_standard"],
        outlook["communes_total"],
        outlook["communes_meeting_standard"],
        outlook["communes_projected"],
        outlook["shortfall"],
        outlook["met_on_trend"],
    ) == (2025, 4, 6, 2, 3, 1, False)
    assert [(d["commune"]["name"], d["commune"]["standard_year"], d["on_track"]) for d in outlook["deciding"]] == [
        ("Xã Dự Báo F3", 2024, True),
        ("Xã Dự Báo F4", 2027, False),
    ]
    assert outlook["projection"] == [{"year": year, "communes": n} for year, n in forecast.projection]


def test_each_commune_gets_its_projected_year_or_the_reason_it_has_none(coordinator, forecast):
    body = get(coordinator, forecast.district, "forecast", as_of="2023-12-31")

    assert [
        (c["name"], c["status"], c["standard_year"], c["criteria_met"], c["criteria_per_year"])
        for c in body["communes"]
    ] == [
        ("Xã Dự Báo F3", "projected", 2024, 17, 2.0),
        ("Xã Dự Báo F4", "projected", 2027, 13, 1.5),
        ("Xã Dự Báo F5", "stalled", None, 14, 0.0),
        ("Xã Dự Báo F6", "no_data", None, 18, None),
        ("Xã Dự Báo F2", "meets", 2021, None, None),
        ("Xã Dự Báo F1", "meets", 2022, 19, None),
    ]
    assert body["communes"][1]["criteria_missing"] == 6
    assert body["by_status"] == {"meets": 2, "projected": 2, "stalled": 1, "no_data": 1}
    assert (body["districts"], body["listing_limited"]) == ([], False)


def test_a_provinces_forecast_shows_each_districts_outlook(coordinator, forecast, geography):
    body = get(coordinator, geography.province, "forecast", as_of="2023-12-31")

    districts = {d["name"]: d for d in body["districts"]}
    assert set(districts) == {"Huyện Định Hóa", "Huyện Phú Lương", "Huyện Dự Báo"}
    assert (districts["Huyện Dự Báo"]["shortfall"], len(districts["Huyện Dự Báo"]["deciding"])) == (1, 2)
    assert districts["Huyện Định Hóa"]["target_year"] is None
    assert body["outlook"]["target_year"] is None  # the province set itself no target here
    assert body["by_status"] == {"meets": 2, "projected": 2, "stalled": 1, "no_data": 4}  # A1, A2, B1: no rounds


# --- every figure reaches the JSON --------------------------------------------------------------------------------


def keys_of(figures_class, *extra: str) -> set[str]:
    """The fields of a selector's dataclass, and the properties or additions the serializer also gives."""
    return {field.name for field in dataclasses.fields(figures_class)} | set(extra)


def served(body: dict, serializer_class) -> set[str]:
    """What a JSON object's keys read from the selector's dataclass: its API names (`commune_name`) mapped to the
    dataclass fields they come from (`commune`), after checking the object has exactly the serializer's keys."""
    fields = serializer_class().fields
    assert set(body) == set(fields)
    return {field.source for field in fields.values()}


def test_the_secondment_results_json_carries_every_figure_of_the_selector(coordinator, seconded):
    from secondments.api import serializers as api

    body = get(coordinator, seconded.district, "secondment-results", as_of="2020-12-31")

    assert served(body, api.SecondmentResultsSerializer) == keys_of(SecondmentResults, "listing_limited")
    assert served(body["secondments"][0], api.SecondmentResultSerializer) == keys_of(SecondmentResult, "reached")
    assert served(body["overall"], api.OutcomeGroupSerializer) == keys_of(OutcomeGroup)
    assert served(body["overall"]["comparison"], api.OutcomeFiguresSerializer) == keys_of(OutcomeFigures)


def test_the_sponsor_json_carries_every_figure_of_the_selector(coordinator, sponsors):
    from secondments.api import serializers as api

    body = get(coordinator, sponsors.province, "sponsor-accountability", as_of="2024-08-15")

    assert served(body, api.SponsorAccountabilitySerializer) == keys_of(SponsorAccountability, "listing_limited")
    assert served(body["agencies"][0], api.AgencyAccountabilitySerializer) == keys_of(AgencyAccountability, "flagged")
    assert served(body["agencies"][0]["quarters"][0], api.QuarterActivitySerializer) == keys_of(QuarterActivity)
    assert served(body["support_by_kind"][0], api.SupportLineSerializer) == keys_of(SupportLine)


def test_the_forecast_json_carries_every_figure_of_the_selector(coordinator, forecast):
    from portal.api import serializers as api

    body = get(coordinator, forecast.district, "forecast", as_of="2023-12-31")

    assert served(body, api.UnitForecastSerializer) == keys_of(UnitForecast, "listing_limited")
    assert served(body["outlook"], api.TargetOutlookSerializer) == keys_of(TargetOutlook)
    assert served(body["communes"][0], api.CommuneForecastSerializer) == keys_of(CommuneForecast, "criteria_missing")
    assert set(body["outlook"]["deciding"][0]) == {"commune", "on_track"}


def test_the_schema_documents_the_three_endpoints_and_which_figures_may_be_null(client, province_coordinator):
    client.force_login(province_coordinator)
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()

    for endpoint in ENDPOINTS:
        operation = schema["paths"][f"/api/v1/dashboards/{{id}}/{endpoint}/"]["get"]
        assert "listing_limited" in operation["description"]
    parameters = {
        p["name"]: p for p in schema["paths"]["/api/v1/dashboards/{id}/sponsor-accountability/"]["get"]["parameters"]
    }
    assert {"as_of", "year", "min_visits", "min_days"} <= set(parameters)
    components = schema["components"]["schemas"]
    assert components["SecondmentResults"]["properties"]["overall"].get("nullable")
    assert components["OutcomeFigures"]["properties"]["percent_meeting_standard"]["nullable"]
    assert components["CommuneForecast"]["properties"]["standard_year"]["nullable"]
    assert components["TargetOutlook"]["properties"]["deciding"]["items"]["$ref"].endswith("/DecidingCommune")


# --- who may read what ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_someone_of_another_province_gets_404(api, geography, endpoint):
    outsider = UserFactory(role=Role.PROVINCE_COORDINATOR, unit=ProvinceFactory(code="20", name="Tỉnh Lạng Sơn"))

    response = api(outsider).get(url(geography.province, endpoint))

    assert response.status_code == 404
    assert "detail" in response.json()


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_anonymous_gets_401_with_a_token_challenge(api, geography, endpoint):
    response = api(None).get(url(geography.province, endpoint))

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_a_district_officer_cannot_read_another_districts_figures(api, geography, district_officer_a, endpoint):
    assert api(district_officer_a).get(url(geography.district_b, endpoint)).status_code == 404


def test_a_district_officer_reads_the_provinces_secondment_results_without_other_districts_communes(
    api, geography, seconded, district_officer_a
):
    SecondmentFactory(
        cadre=CadreFactory(home_agency=seconded.agency_a),
        commune=geography.commune_a1,
        start_date=D(2016, 3, 1),
        actual_end_date=D(2017, 12, 31),
        criteria_met_at_start=8,
        criteria_met_at_end=10,
    )

    response = api(district_officer_a).get(url(geography.province, "secondment-results"), {"as_of": "2020-12-31"})

    body = response.json()
    assert figures(body["overall"], "seconded")[:2] == (13, 21)  # every commune of the province counts
    assert body["listing_limited"] is True
    assert [(row["commune_name"], row["district_name"]) for row in body["secondments"]] == [
        ("Xã Phú Đình", "Huyện Định Hóa")
    ]
    assert "Xã Biệt Phái" not in response.content.decode()


def test_a_district_officer_reads_the_provinces_sponsors_without_other_districts_communes(
    api, geography, sponsors, district_officer_a
):
    response = api(district_officer_a).get(url(geography.province, "sponsor-accountability"), {"as_of": "2024-08-15"})

    body = response.json()
    assert (body["agencies_flagged"], body["support_value_vnd"], body["listing_limited"]) == (1, 2_150_000_000, True)
    enterprise = body["agencies"][0]
    assert (enterprise["agency_name"], [q["below_minimum"] for q in enterprise["quarters"]]) == (
        "Công ty Chè Thử",
        [True, True, False],
    )
    assert [q["communes_not_visited"] for q in enterprise["quarters"]] == [[], [], []]
    assert "Xã Đỡ Đầu" not in response.content.decode()


def test_an_unvisited_namesake_in_another_district_is_not_reported_as_the_officers_own_commune(
    api, geography, district_officer_a
):
    # Two "Xã Tân Lập", one in each district, both assigned to the same agency: it visited the one in district A only.
    agency = AgencyFactory(unit=geography.province, name="Sở Xây dựng")
    own = CommuneFactory(parent=geography.district_a, name="Xã Tân Lập")
    namesake = CommuneFactory(parent=geography.district_b, name="Xã Tân Lập")
    for commune in (own, namesake):
        SponsorAssignmentFactory(agency=agency, commune=commune, start_date=datetime.date(2024, 1, 1))
    FieldVisitFactory(agency=agency, commune=own, visit_date=datetime.date(2024, 2, 1))

    body = get(api(district_officer_a), geography.province, "sponsor-accountability", as_of="2024-06-30", year=2024)

    [row] = [a for a in body["agencies"] if a["agency_name"] == "Sở Xây dựng"]
    # The province's figures count both communes; the officer is told only of their own commune, in the quarter it was
    # not visited, and never of the namesake.
    assert [q["communes_assigned"] for q in row["quarters"]] == [2, 2]
    assert [q["communes_not_visited"] for q in row["quarters"]] == [[], [{"id": own.pk, "name": "Xã Tân Lập"}]]


def test_a_district_officer_reads_the_provinces_forecast_without_other_districts_communes(
    api, geography, forecast, district_officer_a
):
    response = api(district_officer_a).get(url(geography.province, "forecast"), {"as_of": "2023-12-31"})

    body = response.json()
    assert body["listing_limited"] is True
    assert [c["name"] for c in body["communes"]] == ["Xã Phú Đình", "Xã Sơn Phú"]
    assert body["by_status"] == {"meets": 2, "projected": 2, "stalled": 1, "no_data": 4}
    outlook = next(d for d in body["districts"] if d["name"] == "Huyện Dự Báo")
    assert (outlook["communes_projected"], outlook["shortfall"], outlook["deciding"]) == (3, 1, [])
    assert "Xã Dự Báo" not in response.content.decode()


def test_a_district_officer_sees_every_commune_of_its_own_district(api, geography, district_officer_a):
    SecondmentFactory(commune=geography.commune_a2, start_date=D(2016, 3, 1))

    body = get(api(district_officer_a), geography.district_a, "secondment-results", as_of="2020-12-31")

    assert body["listing_limited"] is False
    assert [row["commune_name"] for row in body["secondments"]] == ["Xã Sơn Phú"]


def test_a_commune_official_reading_its_district_sees_only_its_own_communes_rows(
    api, geography, forecast, commune_official_a1
):
    body = get(api(commune_official_a1), geography.district_a, "forecast", as_of="2023-12-31")

    assert body["listing_limited"] is True
    assert [c["name"] for c in body["communes"]] == ["Xã Phú Đình"]
    assert body["by_status"]["no_data"] == 2


# --- bad input -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("endpoint", "query", "field"),
    [
        ("secondment-results", {"as_of": "not-a-date"}, "as_of"),
        ("secondment-results", {"as_of": "0001-01-01"}, "as_of"),
        ("secondment-results", {"months_after": -1}, "months_after"),
        ("secondment-results", {"months_after": 121}, "months_after"),
        ("secondment-results", {"months_after": "twelve"}, "months_after"),
        ("sponsor-accountability", {"as_of": "2024-08-15", "year": 2025}, "year"),
        ("sponsor-accountability", {"year": timezone.localdate().year + 1}, "year"),
        ("sponsor-accountability", {"as_of": "2024-08-15", "year": 1999}, "year"),
        ("sponsor-accountability", {"min_days": "abc"}, "min_days"),
        ("sponsor-accountability", {"min_days": "NaN"}, "min_days"),
        ("sponsor-accountability", {"min_days": "-0.5"}, "min_days"),
        ("sponsor-accountability", {"min_visits": "1.5"}, "min_visits"),
        ("sponsor-accountability", {"min_visits": 101}, "min_visits"),
        ("forecast", {"as_of": "2023-02-30"}, "as_of"),
        ("forecast", {"as_of": "9999-12-31"}, "as_of"),
    ],
    ids=lambda value: repr(value)[:40],
)
def test_a_bad_parameter_is_a_400_naming_it(coordinator, geography, endpoint, query, field):
    response = coordinator.get(url(geography.province, endpoint), query)

    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/json"
    assert response.json()[field]


# --- queries -------------------------------------------------------------------------------------------------------


def count_queries(client, unit, endpoint: str, **query) -> int:
    with CaptureQueriesContext(connection) as queries:
        get(client, unit, endpoint, **query)
    return len(queries)


def test_the_secondment_results_cost_the_same_for_20_more_secondments(coordinator, seconded):
    national_set()  # without a national set there are no rounds to read, and one query less
    before = count_queries(coordinator, seconded.district, "secondment-results", as_of="2020-12-31")
    for commune in CommuneFactory.create_batch(20, parent=seconded.district):
        SecondmentFactory(cadre=CadreFactory(home_agency=AgencyFactory(unit=seconded.province)), commune=commune)
    after = count_queries(coordinator, seconded.district, "secondment-results", as_of="2020-12-31")

    # The token and its user, the user's unit (their scope), the unit (get_object), the secondments with their
    # cadres, agencies, communes and batches, criteria_history's four (the national sets, the communes, the rounds
    # with their met counts, the recognitions), whether the unit is in the caller's scope.
    assert before == after == 9


def test_the_sponsor_accountability_costs_the_same_for_20_more_visits_and_support_rows(coordinator, sponsors):
    before = count_queries(coordinator, sponsors.province, "sponsor-accountability", as_of="2024-08-15")
    for commune in CommuneFactory.create_batch(20, parent=sponsors.communes["X"].district):
        agency = AgencyFactory(unit=sponsors.province)
        SponsorAssignmentFactory(agency=agency, commune=commune, start_date=D(2023, 1, 1))
        FieldVisitFactory(agency=agency, commune=commune, visit_date=D(2024, 4, 2), days_on_site=Decimal(1))
        SupportContributionFactory(giver=agency, commune=commune, date=D(2024, 4, 2))
    after = count_queries(coordinator, sponsors.province, "sponsor-accountability", as_of="2024-08-15")

    # The token and its user, the user's unit, the unit, the default year (the latest visit), the assignments, the
    # visits grouped by agency, commune and quarter, the support grouped by giver, kind and criterion, the work-plan
    # items grouped by agency and status, whether the unit is in the caller's scope.
    assert before == after == 9


def test_the_forecast_costs_the_same_for_20_more_communes_with_rounds(coordinator, forecast):
    before = count_queries(coordinator, forecast.district, "forecast", as_of="2023-12-31")
    criteria_set = forecast.communes["F1"].assessment_rounds.first().criteria_set
    for commune in CommuneFactory.create_batch(20, parent=forecast.district):
        assessed(commune, criteria_set, 2022, 12)
        assessed(commune, criteria_set, 2023, 14)
    after = count_queries(coordinator, forecast.district, "forecast", as_of="2023-12-31")

    # The token and its user, the user's unit, the unit, criteria_history's four, the targets in force, whether the
    # unit is in the caller's scope.
    assert before == after == 9


def test_reading_a_unit_above_ones_own_costs_one_query_more(api, geography, forecast, district_officer_a):
    client = api(district_officer_a)

    own = count_queries(client, geography.district_a, "forecast", as_of="2023-12-31")
    above = count_queries(client, geography.province, "forecast", as_of="2023-12-31")

    assert above == own + 1  # the communes in the officer's scope, by id and name
