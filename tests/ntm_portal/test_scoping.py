"""`Model.objects.visible_to(user)` for every scoped model and every persona.

One world: province P (district A: communes A1, A2; district B: commune B1) and another province Q (district QD:
commune Q1), with one row of every scoped model for each commune. Each persona must see exactly the rows of its
own units: never another unit's, and nothing at all of province Q.
"""

import datetime
from dataclasses import dataclass
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import AnonymousUser

from communes.models import AdministrativeUnit, Recognition
from criteria.choices import ChangeKind
from criteria.models import (
    AssessmentChange,
    AssessmentRound,
    CriterionResult,
    EvidenceFile,
    IndicatorValue,
)
from ntm_portal.choices import Role
from secondments.models import (
    FieldVisit,
    Secondment,
    SponsorAssignment,
    SupportContribution,
    WorkPlan,
    WorkPlanItem,
)
from tests.communes.factories import CommuneFactory, DistrictFactory, ProvinceFactory, RecognitionFactory
from tests.conftest import build_geography, build_liaison
from tests.criteria.factories import (
    AssessmentRoundFactory,
    CriteriaSetFactory,
    CriterionResultFactory,
    EvidenceFileFactory,
    IndicatorFactory,
    IndicatorValueFactory,
)
from tests.ntm_portal.factories import UserFactory
from tests.secondments.factories import (
    AgencyFactory,
    CadreFactory,
    FieldVisitFactory,
    SecondmentFactory,
    SponsorAssignmentFactory,
    SupportContributionFactory,
    WorkPlanFactory,
    WorkPlanItemFactory,
)
from tests.shared_rows import foreign_keys_checked, own_copy, rolled_back_at_end

pytestmark = pytest.mark.django_db

COMMUNES = ("A1", "A2", "B1", "Q1")

# How each scoped model reaches its commune, walked in Python (independently of the ORM paths the querysets use).
COMMUNE_OF = {
    AssessmentRound: lambda row: row.commune,
    CriterionResult: lambda row: row.assessment_round.commune,
    IndicatorValue: lambda row: row.assessment_round.commune,
    EvidenceFile: lambda row: row.assessment_round.commune,
    AssessmentChange: lambda row: row.assessment_round.commune,
    Recognition: lambda row: row.commune,
    Secondment: lambda row: row.commune,
    SponsorAssignment: lambda row: row.commune,
    WorkPlan: lambda row: row.assignment.commune,
    WorkPlanItem: lambda row: row.work_plan.assignment.commune,
    FieldVisit: lambda row: row.commune,
    SupportContribution: lambda row: row.commune,
}

# The communes whose rows each persona sees.
SEES_COMMUNES = {
    "province_coordinator": {"A1", "A2", "B1"},
    "district_officer_a": {"A1", "A2"},
    "commune_official_a1": {"A1"},
    "commune_official_b1": {"B1"},
    "agency_liaison": {"A1"},
    "viewer": {"A1", "A2", "B1"},
    "anonymous": set(),
    "province_q_coordinator": {"Q1"},
}

# The units each persona sees: the communes above, and the units above its own (to read their summaries).
SEES_UNITS = {
    "province_coordinator": {"P", "A", "B", "A1", "A2", "B1"},
    "district_officer_a": {"P", "A", "A1", "A2"},
    "commune_official_a1": {"P", "A", "A1"},
    "commune_official_b1": {"P", "B", "B1"},
    "agency_liaison": {"A1"},
    "viewer": {"P", "A", "B", "A1", "A2", "B1"},
    "anonymous": set(),
    "province_q_coordinator": {"Q", "QD", "Q1"},
}


@dataclass
class World:
    units: dict[str, AdministrativeUnit]

    def key_of(self, unit: AdministrativeUnit) -> str:
        return next(key for key, known in self.units.items() if known.pk == unit.pk)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def viewer(geography):
    return UserFactory(username="viewer", role=Role.VIEWER, unit=geography.province)


@pytest.fixture
def anonymous():
    return AnonymousUser()


@pytest.fixture
def province_q_coordinator(world):
    return UserFactory(username="coordinator_q", role=Role.PROVINCE_COORDINATOR, unit=world.units["Q"])


def rows_for(commune, agency, criteria_set, key: str) -> None:
    """One row of every scoped model for `commune`."""
    round_ = AssessmentRoundFactory(commune=commune, criteria_set=criteria_set)
    criterion = criteria_set.criteria.get()
    CriterionResultFactory(assessment_round=round_, criterion=criterion)
    IndicatorValueFactory(assessment_round=round_, indicator=criterion.indicators.get())
    EvidenceFileFactory(assessment_round=round_)
    AssessmentChange.objects.create(
        assessment_round=round_, commune=commune, kind=ChangeKind.CREATED, field="status", new_value="draft"
    )
    RecognitionFactory(commune=commune, decision_number=f"{key}/QĐ-UBND")
    SecondmentFactory(commune=commune, cadre=CadreFactory(home_agency=agency))
    assignment = SponsorAssignmentFactory(agency=agency, commune=commune)
    WorkPlanItemFactory(work_plan=WorkPlanFactory(assignment=assignment))
    FieldVisitFactory(agency=agency, commune=commune)
    SupportContributionFactory(giver=agency, commune=commune)


def build_world(geography) -> World:
    province_q = ProvinceFactory(code="94", name="Tỉnh Láng Giềng")
    district_q = DistrictFactory(code="941", name="Huyện Láng Giềng", parent=province_q)
    units = {
        "P": geography.province,
        "A": geography.district_a,
        "B": geography.district_b,
        "A1": geography.commune_a1,
        "A2": geography.commune_a2,
        "B1": geography.commune_b1,
        "Q": province_q,
        "QD": district_q,
        "Q1": CommuneFactory(code="94101", name="Xã Láng Giềng", parent=district_q),
    }
    criteria_set = CriteriaSetFactory(code="bo-thu-pham-vi", criteria_count=1)
    IndicatorFactory(criterion=criteria_set.criteria.get(), code="1.1")
    agencies = {
        "P": AgencyFactory(name="Sở Tài chính", unit=units["P"]),
        "Q": AgencyFactory(name="Sở Tài chính tỉnh láng giềng", unit=units["Q"]),
    }
    for key in COMMUNES:
        rows_for(units[key], agencies["Q" if key == "Q1" else "P"], criteria_set, key)
    return World(units)


# Every test here only reads the world: it is built once for the module (with the geography and the liaison it
# stands on), and each test gets its own copy of the instances. The other personas are users made per test.


@pytest.fixture(scope="module")
def _shared_world(django_db_setup, django_db_blocker) -> SimpleNamespace:
    with rolled_back_at_end(django_db_blocker):
        geography = build_geography()
        liaison = build_liaison(geography)
        world = build_world(geography)
        foreign_keys_checked()
        yield SimpleNamespace(geography=geography, liaison=liaison, world=world)


@pytest.fixture
def _world_copy(_shared_world, db) -> SimpleNamespace:
    return own_copy(_shared_world)


@pytest.fixture
def geography(_world_copy):
    return _world_copy.geography


@pytest.fixture
def agency_liaison(_world_copy):
    return _world_copy.liaison


@pytest.fixture
def world(_world_copy) -> World:
    return _world_copy.world


def test_the_world_has_rows_of_every_scoped_model_in_every_commune(world):
    for model, commune_of in COMMUNE_OF.items():
        assert {world.key_of(commune_of(row)) for row in model.objects.all()} == set(COMMUNES), model.__name__
    assert AdministrativeUnit.objects.count() == len(world.units)


PERSONAS = list(SEES_COMMUNES)


@pytest.mark.parametrize("model", list(COMMUNE_OF), ids=lambda model: model.__name__)
@pytest.mark.parametrize("persona", PERSONAS)
def test_each_persona_sees_exactly_the_rows_of_its_own_communes(request, world, persona, model):
    user = request.getfixturevalue(persona)
    commune_of = COMMUNE_OF[model]
    expected = {row.pk for row in model.objects.all() if world.key_of(commune_of(row)) in SEES_COMMUNES[persona]}
    visible = list(model.objects.visible_to(user))
    assert {row.pk for row in visible} == expected
    assert {world.key_of(commune_of(row)) for row in visible} == SEES_COMMUNES[persona]


@pytest.mark.parametrize("persona", PERSONAS)
def test_each_persona_sees_its_own_units_and_those_above_them(request, world, persona):
    user = request.getfixturevalue(persona)
    assert {world.key_of(unit) for unit in AdministrativeUnit.objects.visible_to(user)} == SEES_UNITS[persona]


def test_a_district_officer_reads_its_province_and_district_but_not_district_bs_communes(world, district_officer_a):
    visible = AdministrativeUnit.objects.visible_to(district_officer_a)
    assert visible.filter(pk=world.units["P"].pk).exists() and visible.filter(pk=world.units["A"].pk).exists()
    assert not visible.filter(pk__in=[world.units["B1"].pk, world.units["B"].pk]).exists()
    assert not AssessmentRound.objects.visible_to(district_officer_a).filter(commune=world.units["B1"]).exists()


def test_nothing_of_another_province_ever_reaches_province_p(world, province_coordinator, viewer):
    q_units = [world.units[key].pk for key in ("Q", "QD", "Q1")]
    for user in (province_coordinator, viewer):
        assert not AdministrativeUnit.objects.visible_to(user).filter(pk__in=q_units).exists()
        for model, commune_of in COMMUNE_OF.items():
            assert not [row for row in model.objects.visible_to(user) if commune_of(row).pk in q_units], model


def test_a_liaison_sees_every_commune_its_agency_is_assigned_to_and_no_other(world, agency_liaison):
    SponsorAssignmentFactory(
        agency=agency_liaison.agency, commune=world.units["B1"], start_date=datetime.date(2019, 1, 1)
    )
    assert {world.key_of(unit) for unit in AdministrativeUnit.objects.visible_to(agency_liaison)} == {"A1", "B1"}
    for model, commune_of in COMMUNE_OF.items():
        seen = {world.key_of(commune_of(row)) for row in model.objects.visible_to(agency_liaison)}
        assert seen == {"A1", "B1"}, model.__name__


def test_a_liaison_whose_agency_has_no_assignment_sees_nothing(world):
    idle = AgencyFactory(name="Hội Nông dân tỉnh", unit=world.units["P"])
    liaison = UserFactory(username="idle_liaison", role=Role.AGENCY_LIAISON, agency=idle)
    assert not AdministrativeUnit.objects.visible_to(liaison).exists()
    for model in COMMUNE_OF:
        assert not model.objects.visible_to(liaison).exists(), model.__name__


def test_a_liaison_without_an_agency_sees_nothing_even_with_a_unit(world):
    liaison = UserFactory(username="no_agency", role=Role.AGENCY_LIAISON, agency=None, unit=world.units["P"])
    for model in COMMUNE_OF:
        assert not model.objects.visible_to(liaison).exists(), model.__name__


def test_a_user_without_a_unit_sees_nothing(world):
    stray = UserFactory(username="stray", role=Role.DISTRICT_OFFICER, unit=None)
    assert not AdministrativeUnit.objects.visible_to(stray).exists()
    for model in COMMUNE_OF:
        assert not model.objects.visible_to(stray).exists(), model.__name__


def test_a_superuser_sees_every_row_in_every_province(world):
    admin = UserFactory(username="admin", is_superuser=True, is_staff=True)
    for model in COMMUNE_OF:
        assert model.objects.visible_to(admin).count() == model.objects.count(), model.__name__


@pytest.mark.parametrize("unit_key", [None, "A1"], ids=["without-a-unit", "with-a-unit"])
def test_a_superuser_sees_every_unit_in_every_province(world, unit_key):
    unit = world.units[unit_key] if unit_key else None
    admin = UserFactory(username="admin", is_superuser=True, is_staff=True, unit=unit)
    assert AdministrativeUnit.objects.visible_to(admin).count() == len(world.units)


@pytest.mark.parametrize("model", list(COMMUNE_OF), ids=lambda model: model.__name__)
def test_scoping_is_one_query_whatever_the_persona(
    world, agency_liaison, district_officer_a, model, django_assert_num_queries
):
    for user in (agency_liaison, district_officer_a):
        # One SELECT: the liaison's assigned communes are a subquery, not a separate query.
        with django_assert_num_queries(1):
            list(model.objects.visible_to(user))
