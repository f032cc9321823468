"""The dashboard endpoints and the selectors behind them (criteria.selectors, secondments.selectors): figures by
hand-built cases, the trend equal to the year-by-year summary, and fixed query counts."""

import dataclasses
import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from communes.choices import NtmLevel
from criteria import ledger
from criteria.models import CriterionResult
from criteria.selectors import commune_progress_for, commune_progress_list, unit_progress_summary, unit_progress_trend
from secondments.choices import SecondmentKind, SupportKind
from secondments.selectors import secondment_summary, sponsor_summary
from tests.communes.factories import CommuneFactory, RecognitionFactory
from tests.criteria.factories import CriteriaSetFactory, UnitTargetFactory
from tests.secondments.factories import (
    AgencyFactory,
    CadreFactory,
    FieldVisitFactory,
    SecondmentBatchFactory,
    SecondmentFactory,
    SponsorAssignmentFactory,
    SupportContributionFactory,
)

from .conftest import record_round

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(geography, criteria_set):
    """Four years of rounds in the province: A1 climbs to 3/3 and is recognised in 2018, A2 stalls at 1, B1 starts
    in 2018; a 2011–2015 set covers the earlier years."""
    early = CriteriaSetFactory(code="ntm-2010-2015", period_start=2010, period_end=2015, criteria_count=2)
    record_round(geography.commune_a1, early, year=2015, met=(1,))
    for year, met in ((2016, (1,)), (2017, (1, 2)), (2018, (1, 2, 3)), (2019, (1, 2, 3))):
        record_round(geography.commune_a1, criteria_set, year=year, met=met)
    for year in (2016, 2017, 2018, 2019):
        record_round(geography.commune_a2, criteria_set, year=year, met=(2,))
    record_round(geography.commune_b1, criteria_set, year=2018, met=(1, 3))
    RecognitionFactory(commune=geography.commune_a1, year=2018, decision_date=datetime.date(2018, 12, 20))
    return geography


SUMMARY_FIELDS = [
    "communes_total",
    "communes_meeting_standard",
    "percent_meeting_standard",
    "communes_assessed",
    "average_criteria_met",
    "lowest_criteria_met",
    "criteria_total",
]


@pytest.mark.parametrize("unit_name", ["province", "district_a"])
def test_each_year_of_the_trend_equals_that_years_summary(history, unit_name):
    unit = getattr(history, unit_name)

    trend = unit_progress_trend(unit=unit, years=range(2014, 2020))

    for line in trend:
        summary = unit_progress_summary(unit=unit, as_of=datetime.date(line.year, 12, 31))
        assert {f: getattr(line, f) for f in SUMMARY_FIELDS} == {f: getattr(summary, f) for f in SUMMARY_FIELDS}
        assert line.criteria_set_id == summary.criteria_set_id
    assert [line.communes_meeting_standard for line in trend] == [0, 0, 0, 0, 1, 1]
    assert [line.criteria_set_code for line in trend][:2] == ["ntm-2010-2015", "ntm-2010-2015"]


def test_the_trends_last_year_stops_at_the_as_of_date(history):
    trend = unit_progress_trend(unit=history.province, years=range(2017, 2021), as_of=datetime.date(2018, 6, 30))

    assert [(line.year, line.as_of) for line in trend] == [
        (2017, datetime.date(2017, 12, 31)),
        (2018, datetime.date(2018, 6, 30)),
    ]
    assert trend[-1].communes_meeting_standard == 0  # recognised in December


def test_the_trend_costs_four_queries_for_any_number_of_years(history):
    for years in (range(2018, 2020), range(2005, 2020)):
        with CaptureQueriesContext(connection) as queries:
            unit_progress_trend(unit=history.province, years=years)
        assert len(queries) == 4  # the sets, the communes, their standings, the targets


def test_the_trend_shows_the_target_in_force_each_year(history):

    UnitTargetFactory(unit=history.district_a, year=2020, min_communes_meeting_standard=2)
    UnitTargetFactory(unit=history.district_a, year=2017, min_communes_meeting_standard=1)

    trend = unit_progress_trend(unit=history.district_a, years=range(2016, 2020))

    assert [line.target_communes_meeting_standard for line in trend] == [1, 1, 2, 2]


def test_progress_of_a_page_equals_the_units_list(history):
    as_of = datetime.date(2018, 12, 31)
    everything = {p.commune_id: p for p in commune_progress_list(unit=history.province, as_of=as_of)}

    page = commune_progress_for(communes=[history.commune_b1, history.commune_a1], as_of=as_of)

    assert page == {pk: everything[pk] for pk in (history.commune_a1.pk, history.commune_b1.pk)}


def test_progress_of_a_page_costs_the_same_for_1_commune_as_for_3(history):
    as_of = datetime.date(2018, 12, 31)
    with CaptureQueriesContext(connection) as one:
        commune_progress_for(communes=[history.commune_a1], as_of=as_of)
    with CaptureQueriesContext(connection) as three:
        commune_progress_for(communes=[history.commune_a1, history.commune_a2, history.commune_b1], as_of=as_of)
    assert len(one) == len(three) == 3  # the set's criteria; the set before it; the communes joined to their standing


# --- secondments and sponsors ------------------------------------------------------------------------------------


@pytest.fixture
def secondments(geography):
    """Seed 000 in small: two batches; A1's cadre gained 10 criteria and A1 reached the standard; A2's is still there;
    B1's was rotated in (seed 002) and left; a secondment starting after the as-of date does not count yet."""
    home = CadreFactory.create_batch(4, home_agency=AgencyFactory(unit=geography.province, name="Ban Tổ chức Tỉnh ủy"))
    batch_2016 = SecondmentBatchFactory(province=geography.province, name="Đợt 2", year=2016)
    batch_2014 = SecondmentBatchFactory(province=geography.province, name="Đợt 1", year=2014)
    day = datetime.date
    SecondmentFactory(
        cadre=home[0],
        commune=geography.commune_a1,
        batch=batch_2014,
        start_date=day(2014, 5, 1),
        decision_date=day(2014, 4, 1),
        actual_end_date=day(2016, 5, 1),
        criteria_met_at_start=9,
        criteria_met_at_end=19,
    )
    SecondmentFactory(
        cadre=home[1],
        commune=geography.commune_a2,
        batch=batch_2016,
        start_date=day(2016, 5, 1),
        decision_date=day(2016, 4, 1),
    )
    SecondmentFactory(
        cadre=home[2],
        commune=geography.commune_b1,
        kind=SecondmentKind.ROTATED,
        start_date=day(2017, 1, 2),
        decision_date=day(2016, 12, 1),
        actual_end_date=day(2017, 8, 1),
        criteria_met_at_start=12,
        criteria_met_at_end=16,
    )
    SecondmentFactory(
        cadre=home[3], commune=geography.commune_b1, start_date=day(2020, 1, 2), decision_date=day(2019, 12, 1)
    )
    RecognitionFactory(commune=geography.commune_a1, year=2016, decision_date=datetime.date(2016, 12, 1))
    RecognitionFactory(commune=geography.commune_b1, year=2019, decision_date=datetime.date(2020, 2, 1))
    return geography


def test_the_secondment_summary_counts_communes_reaching_the_standard(secondments):
    summary = secondment_summary(unit=secondments.province, as_of=datetime.date(2019, 12, 31))

    assert (summary.secondments_total, summary.active, summary.completed, summary.cadres) == (3, 1, 2, 3)
    assert (summary.communes, summary.communes_meeting_standard, summary.percent_meeting_standard) == (3, 1, 33.3)
    assert (summary.completed_with_counts, summary.average_criteria_gained) == (2, 7.0)
    assert summary.by_kind == {"biet_phai": 2, "luan_chuyen": 1, "dieu_dong": 0, "tang_cuong": 0}
    assert [(b.name, b.secondments, b.communes_meeting_standard) for b in summary.batches] == [
        ("Đợt 1", 1, 1),
        ("Đợt 2", 1, 0),
        (None, 1, 0),
    ]


def test_the_secondment_summary_of_a_district_keeps_to_its_communes(secondments):
    summary = secondment_summary(unit=secondments.district_b, as_of=datetime.date(2020, 12, 31))

    assert (summary.secondments_total, summary.communes, summary.communes_meeting_standard) == (2, 1, 1)


@pytest.fixture
def sponsors(geography):
    """Seed 003: a department that comes twice a year for a few hours; seed 004: a twinned enterprise that gives."""
    department = AgencyFactory(unit=geography.province, name="Sở Tài chính")
    enterprise = AgencyFactory(unit=geography.province, name="Công ty Điện lực", kind="enterprise")
    SponsorAssignmentFactory(agency=department, commune=geography.commune_a1)
    SponsorAssignmentFactory(agency=enterprise, commune=geography.commune_a1, role="twinned")
    SponsorAssignmentFactory(agency=enterprise, commune=geography.commune_b1, role="twinned")
    SponsorAssignmentFactory(agency=department, commune=geography.commune_a2, end_date=datetime.date(2018, 12, 31))
    for day in (datetime.date(2019, 3, 1), datetime.date(2019, 9, 1)):
        FieldVisitFactory(
            agency=department, commune=geography.commune_a1, visit_date=day, days_on_site=0, hours_on_site=3
        )
    FieldVisitFactory(agency=department, commune=geography.commune_a1, visit_date=datetime.date(2018, 9, 1))
    for day in (datetime.date(2019, 2, 1), datetime.date(2019, 4, 1), datetime.date(2019, 6, 1)):
        FieldVisitFactory(
            agency=enterprise, commune=geography.commune_b1, visit_date=day, days_on_site=2, party_cell_meetings=1
        )
    SupportContributionFactory(
        giver=enterprise,
        commune=geography.commune_b1,
        date=datetime.date(2019, 5, 1),
        kind=SupportKind.INFRASTRUCTURE,
        value_vnd=2_000_000_000,
    )
    SupportContributionFactory(
        giver=department,
        commune=geography.commune_a1,
        date=datetime.date(2019, 5, 1),
        kind=SupportKind.CASH,
        value_vnd=50_000_000,
    )
    return geography


def test_the_sponsor_summary_puts_the_least_present_agency_first(sponsors):
    summary = sponsor_summary(unit=sponsors.province, as_of=datetime.date(2019, 12, 31))

    assert (summary.assignments_active, summary.agencies_assigned, summary.communes_with_sponsor) == (3, 2, 2)
    assert (summary.field_visits, summary.days_on_site, summary.hours_on_site) == (5, 6.0, 6.0)
    assert (summary.party_cell_meetings, summary.support_value_vnd) == (3, 2_050_000_000)
    assert summary.support_by_kind["infrastructure"] == 2_000_000_000
    assert [
        (a.name, a.field_visits, a.days_on_site, a.hours_on_site, a.communes_assigned) for a in summary.agencies
    ] == [
        ("Sở Tài chính", 2, 0.0, 6.0, 1),
        ("Công ty Điện lực", 3, 6.0, 0.0, 2),
    ]


def test_the_selectors_cost_fixed_queries(secondments, sponsors):
    # sponsor_summary: the latest visit (its default period, secondments.selectors.reading_period), then 4.
    for selector, expected in ((secondment_summary, 3), (sponsor_summary, 5)):
        with CaptureQueriesContext(connection) as queries:
            selector(unit=sponsors.province, as_of=datetime.date(2019, 12, 31))
        assert len(queries) == expected, selector.__name__


# --- the endpoints -------------------------------------------------------------------------------------------------


def test_the_dashboard_endpoint_returns_the_selectors_figures(api, history, secondments, province_coordinator):
    as_of = datetime.date(2019, 12, 31)

    body = api(province_coordinator).get(f"/api/v1/dashboards/{history.province.pk}/", {"as_of": "2019-12-31"}).json()

    summary = unit_progress_summary(unit=history.province, as_of=as_of)
    # A1 recognised (twice); B1's decision comes in 2020, after the date.
    assert body["progress"]["communes_meeting_standard"] == summary.communes_meeting_standard == 1
    assert body["progress"]["communes_by_level"] == {"not_yet": 2, "standard": 1, "advanced": 0, "model": 0}
    assert [d["code"] for d in body["progress"]["districts"]] == ["167", "168"]
    assert [c["number"] for c in body["progress"]["criteria"]] == [c.number for c in summary.criteria]
    assert body["secondments"]["communes_meeting_standard"] == 1
    assert body["sponsors"]["since"] == "2019-01-01"


def test_the_trend_endpoint_returns_years_in_order(api, history, province_coordinator):
    response = api(province_coordinator).get(
        f"/api/v1/dashboards/{history.district_a.pk}/trend/", {"from_year": 2016, "to_year": 2019}
    )

    assert response.status_code == 200
    years = response.json()["years"]
    assert [y["year"] for y in years] == [2016, 2017, 2018, 2019]
    assert [y["average_criteria_met"] for y in years] == [1.0, 1.5, 2.0, 2.0]


def test_a_district_officer_reads_the_province_dashboard_but_not_another_districts(api, history, district_officer_a):
    client = api(district_officer_a)

    assert client.get(f"/api/v1/dashboards/{history.province.pk}/").status_code == 200
    assert client.get(f"/api/v1/dashboards/{history.district_a.pk}/trend/").status_code == 200
    assert client.get(f"/api/v1/dashboards/{history.district_b.pk}/").status_code == 404


def test_a_commune_dashboard_is_that_communes_figures(api, history, commune_official_a1):
    body = api(commune_official_a1).get(f"/api/v1/dashboards/{history.commune_a1.pk}/", {"as_of": "2019-12-31"}).json()

    assert (body["progress"]["communes_total"], body["progress"]["communes_meeting_standard"]) == (1, 1)
    assert body["progress"]["communes_by_level"][NtmLevel.STANDARD] == 1


def test_the_dataclasses_and_the_serializers_agree(history, secondments, sponsors):
    from portal.api.serializers import DashboardSerializer, YearProgressSerializer

    as_of = datetime.date(2019, 12, 31)
    progress = unit_progress_summary(unit=history.province, as_of=as_of)
    body = DashboardSerializer(
        {
            "progress": progress,
            "secondments": secondment_summary(unit=history.province, as_of=as_of),
            "sponsors": sponsor_summary(unit=history.province, as_of=as_of),
        }
    ).data
    for key, value in (
        ("progress", progress),
        ("secondments", secondment_summary(unit=history.province, as_of=as_of)),
        ("sponsors", sponsor_summary(unit=history.province, as_of=as_of)),
    ):
        # Each figure is served under its API name (`code` for the dataclass's `unit_code`): compare what they read.
        sources = {field.source for field in DashboardSerializer().fields[key].fields.values()}
        assert sources == {f.name for f in dataclasses.fields(value)}, key
        assert len(body[key]) == len(sources), key
    year = unit_progress_trend(unit=history.province, years=[2019])[0]
    assert set(YearProgressSerializer(year).data) == {f.name for f in dataclasses.fields(year)}


def test_a_commune_with_no_rounds_counts_as_not_assessed(history):
    CommuneFactory(parent=history.district_b, name="Xã Mới Lập")

    summary = unit_progress_summary(unit=history.province, as_of=datetime.date(2019, 12, 31))

    assert summary.communes_without_round == 1


# --- the shared cache (ntm_portal.figures_cache) -------------------------------------------------------------------


def _queries(client, url, params) -> tuple[int, dict]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(queries), response.json()


@pytest.mark.parametrize("path", ["", "trend/"])
def test_a_second_dashboard_request_is_served_from_the_cache(api, history, province_coordinator, path):
    client, url = api(province_coordinator), f"/api/v1/dashboards/{history.province.pk}/{path}"

    first, first_body = _queries(client, url, {"as_of": "2019-12-31"})
    second, second_body = _queries(client, url, {"as_of": "2019-12-31"})

    # The second: the token, the unit in the caller's scope (and for the dashboard the criteria sets the parameters
    # are validated against); no figures.
    assert second_body == first_body
    assert second < first and second <= 3


def test_new_data_shows_once_the_figures_are_invalidated(api, history, province_coordinator):
    client, url = api(province_coordinator), f"/api/v1/dashboards/{history.province.pk}/"
    _count, before = _queries(client, url, {"as_of": "2019-12-31"})
    # A bulk write, as an import makes them: no signal tells the cache. B1 met 2 of 3 in 2018, now all three.
    CriterionResult.objects.filter(assessment_round__commune=history.commune_b1).update(met=True)

    _count, cached = _queries(client, url, {"as_of": "2019-12-31"})
    ledger.refresh_communes([history.commune_b1.pk])  # what every workflow service does with its write
    _count, after = _queries(client, url, {"as_of": "2019-12-31"})

    assert cached == before
    assert after["progress"]["average_criteria_met"] > before["progress"]["average_criteria_met"]


def test_a_row_saved_through_the_orm_shows_at_once(api, history, criteria_set, province_coordinator):
    client, url = api(province_coordinator), f"/api/v1/dashboards/{history.province.pk}/"
    before = client.get(url, {"as_of": "2019-12-31"}).json()

    record_round(history.commune_b1, criteria_set, year=2019, met=(1, 2, 3))  # the round's save invalidates

    after = client.get(url, {"as_of": "2019-12-31"}).json()
    assert after["progress"]["average_criteria_met"] > before["progress"]["average_criteria_met"]


def test_each_date_and_unit_has_figures_of_its_own(api, history, province_coordinator):
    client = api(province_coordinator)

    province_2019 = client.get(f"/api/v1/dashboards/{history.province.pk}/", {"as_of": "2019-12-31"}).json()
    province_2017 = client.get(f"/api/v1/dashboards/{history.province.pk}/", {"as_of": "2017-12-31"}).json()
    district_2019 = client.get(f"/api/v1/dashboards/{history.district_a.pk}/", {"as_of": "2019-12-31"}).json()

    assert province_2019["progress"]["communes_total"] == 3 and district_2019["progress"]["communes_total"] == 2
    assert province_2019["progress"]["communes_meeting_standard"] == 1
    assert province_2017["progress"]["communes_meeting_standard"] == 0


def test_the_cache_does_not_let_anyone_past_the_units_scope(api, history, district_officer_a, province_coordinator):
    api(province_coordinator).get(f"/api/v1/dashboards/{history.district_b.pk}/", {"as_of": "2019-12-31"})

    response = api(district_officer_a).get(f"/api/v1/dashboards/{history.district_b.pk}/", {"as_of": "2019-12-31"})

    assert response.status_code == 404


def test_the_dashboard_and_its_sponsor_tab_read_the_same_period(api, sponsors, province_coordinator):
    """One rule for the period of a reading (secondments.selectors.reading_period): with no visit in as_of's year, the
    dashboard's sponsor figures and the accountability tab both read the latest year with one."""
    client = api(province_coordinator)
    as_of = {"as_of": "2021-06-30"}

    dashboard = client.get(f"/api/v1/dashboards/{sponsors.province.pk}/", as_of).json()["sponsors"]
    tab = client.get(f"/api/v1/dashboards/{sponsors.province.pk}/sponsor-accountability/", as_of).json()

    assert dashboard["since"] == f"{tab['year']}-01-01" and dashboard["until"] == f"{tab['year']}-12-31"
    assert dashboard["support_value_vnd"] == tab["support_value_vnd"]
    assert dashboard["field_visits"] == sum(q["field_visits"] for a in tab["agencies"] for q in a["quarters"])


def test_the_target_is_also_given_as_a_share_of_the_units_communes(api, history, province_coordinator):
    UnitTargetFactory(unit=history.district_a, year=2019, min_communes_meeting_standard=1)

    body = api(province_coordinator).get(f"/api/v1/dashboards/{history.district_a.pk}/", {"as_of": "2019-12-31"})

    target = body.json()["progress"]["target"]
    communes = body.json()["progress"]["communes_total"]
    assert target["target_percent_meeting_standard"] == round(100 * 1 / communes, 1)
