"""Every list costs the same number of queries for 2 rows as for 22 (NetBox's habit), and the dashboards the same for
2 communes as for 22; the busiest endpoints have their count pinned, with the queries they run listed."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.communes.factories import CommuneFactory, DistrictFactory, RecognitionFactory
from tests.criteria.factories import CriteriaSetFactory, IndicatorFactory, IndicatorTargetFactory, UnitTargetFactory
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

from .conftest import record_round

pytestmark = pytest.mark.django_db


def _commune(world):
    return CommuneFactory(parent=world.district)


def _round(world):
    commune = _commune(world)
    RecognitionFactory(commune=commune, year=2019, decision_date=datetime.date(2019, 3, 1))
    assessment_round = record_round(commune, world.records["criteria-sets"], met=(1,))
    indicator = world.records["criteria-sets"].criteria.get(number=1).indicators.first()
    assessment_round.indicator_values.create(indicator=indicator, value_number=70)
    return assessment_round


def _criteria_set(world):
    criteria_set = CriteriaSetFactory(criteria_count=2)
    for criterion in criteria_set.criteria.all():
        IndicatorTargetFactory(indicator=IndicatorFactory(criterion=criterion))


def _assignment(world):
    return SponsorAssignmentFactory(agency=AgencyFactory(unit=world.province), commune=_commune(world))


def _visit(world):
    visit = FieldVisitFactory(
        agency=AgencyFactory(unit=world.province),
        commune=_commune(world),
        secondment=SecondmentFactory(commune=world.commune, cadre=world.records["cadres"]),
    )
    visit.criteria_addressed.add(*world.records["criteria-sets"].criteria.all())


BUILDERS = {
    "administrative-units": _commune,
    "communes": lambda w: _round(w).commune,
    "criteria-sets": _criteria_set,
    "assessment-rounds": _round,
    "indicator-values": _round,
    "unit-targets": lambda w: UnitTargetFactory(unit=DistrictFactory(parent=w.province)),
    "agencies": lambda w: AgencyFactory(unit=w.province, parent=w.agency),
    "cadres": lambda w: CadreFactory(home_agency=AgencyFactory(unit=w.province)),
    "secondment-batches": lambda w: SecondmentBatchFactory(province=w.province),
    "secondments": lambda w: SecondmentFactory(
        cadre=CadreFactory(home_agency=w.agency), commune=_commune(w), batch=SecondmentBatchFactory(province=w.province)
    ),
    "sponsor-assignments": _assignment,
    "work-plans": lambda w: WorkPlanItemFactory(work_plan=WorkPlanFactory(assignment=_assignment(w))),
    "work-plan-items": lambda w: WorkPlanItemFactory(
        work_plan=WorkPlanFactory(assignment=_assignment(w)),
        criterion=w.records["criteria-sets"].criteria.first(),
    ),
    "field-visits": _visit,
    "support-contributions": lambda w: SupportContributionFactory(
        giver=AgencyFactory(unit=w.province), commune=_commune(w), criterion=w.records["criteria-sets"].criteria.first()
    ),
}


def queries_of(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url, params or {})
    assert response.status_code == 200, response.content
    return len(context.captured_queries)


def build(world, prefix, count):
    for _ in range(count):
        BUILDERS[prefix](world)


@pytest.mark.parametrize("prefix", list(BUILDERS))
def test_a_list_costs_the_same_queries_for_2_rows_as_for_22(api, world, province_coordinator, prefix):
    client = api(province_coordinator)
    params = {"as_of": "2019-12-31"} if prefix == "communes" else {}
    build(world, prefix, 1)  # with the world's own row: 2
    few = queries_of(client, f"/api/v1/{prefix}/", params)

    build(world, prefix, 20)
    many = queries_of(client, f"/api/v1/{prefix}/", params)

    assert client.get(f"/api/v1/{prefix}/", params).json()["count"] >= 22
    assert many == few


def test_the_dashboard_costs_the_same_queries_for_2_communes_as_for_22(api, world, province_coordinator):
    client = api(province_coordinator)
    url = f"/api/v1/dashboards/{world.province.pk}/"
    for prefix in ("communes", "secondments", "field-visits", "support-contributions"):
        build(world, prefix, 1)
    few, trend_few = queries_of(client, url, {"as_of": "2019-12-31"}), queries_of(client, f"{url}trend/")

    for prefix in ("communes", "secondments", "field-visits", "support-contributions"):
        build(world, prefix, 20)

    assert queries_of(client, url, {"as_of": "2019-12-31"}) == few
    assert queries_of(client, f"{url}trend/") == trend_few


# Every request by token starts with the token joined to its user (1) and the user's unit, which the scope reads (1).
PINNED = [
    # + the count, the page, its merged_from and merged_into links (prefetched, 2); communes' progress: the set's
    # criteria, the set before it, the communes with their standing
    pytest.param("communes", {"as_of": "2019-12-31"}, 9, id="communes"),
    # + the count, the page (scored by subqueries, commune and set joined), results and values (prefetched)
    pytest.param("assessment-rounds", {}, 6, id="assessment-rounds"),
    # + the count, the page joined to agency and commune, the criteria addressed (prefetched)
    pytest.param("field-visits", {}, 5, id="field-visits"),
]


@pytest.mark.parametrize(("prefix", "params", "expected"), PINNED)
def test_the_busiest_lists_run_a_pinned_number_of_queries(
    api, world, province_coordinator, django_assert_num_queries, prefix, params, expected
):
    client = api(province_coordinator)
    build(world, prefix, 21)
    with django_assert_num_queries(expected):
        response = client.get(f"/api/v1/{prefix}/", params)
    assert len(response.json()["results"]) >= 22


def test_the_dashboard_runs_a_pinned_number_of_queries(api, world, province_coordinator, django_assert_num_queries):
    client = api(province_coordinator)
    build(world, "communes", 5)
    # token + user, unit (scope), the unit itself; progress: the set with its criteria, the targets, the counts per
    # criterion, the groups (4); secondments: totals, kinds, batches (3); sponsors: the latest visit (the period,
    # reading_period), assignments per agency, communes with a sponsor, visits per agency, support per agency and kind
    # (5)
    with django_assert_num_queries(15):
        client.get(f"/api/v1/dashboards/{world.province.pk}/", {"as_of": "2019-12-31"})
    # token + user, unit, the unit; the sets with their criteria counts, the communes, their standings, the targets
    with django_assert_num_queries(7):
        client.get(f"/api/v1/dashboards/{world.province.pk}/trend/", {"as_of": "2019-12-31"})
