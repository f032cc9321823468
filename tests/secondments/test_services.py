"""The writes of the secondment side: each kind created, changed and deleted by a user allowed to; refused for a user
of another province, a district officer, a liaison on another agency's commune, and for a move of a record into
another province; and the commune's criteria count snapshotted when a secondment starts and when it closes."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from ntm_portal.access import AccessDenied
from ntm_portal.choices import Role
from secondments import services
from secondments.choices import AgencyKind, PlanItemStatus, PlanPeriod, SecondmentKind, SponsorRole, SupportKind
from secondments.models import (
    Agency,
    Cadre,
    FieldVisit,
    Secondment,
    SecondmentBatch,
    SponsorAssignment,
    SupportContribution,
    WorkPlan,
    WorkPlanItem,
)
from tests.communes.factories import CommuneFactory, DistrictFactory, ProvinceFactory
from tests.criteria.factories import AssessmentRoundFactory, CriteriaSetFactory, CriterionResultFactory
from tests.ntm_portal.factories import UserFactory
from tests.secondments.factories import (
    AgencyFactory,
    CadreFactory,
    FieldVisitFactory,
    SecondmentBatchFactory,
    SecondmentFactory,
    SponsorAssignmentFactory,
    WorkPlanFactory,
    WorkPlanItemFactory,
)

pytestmark = pytest.mark.django_db

START = datetime.date(2016, 3, 15)


@dataclass
class Other:
    """A second province, with its coordinator and one commune."""

    province: object
    commune: object
    coordinator: object


@pytest.fixture
def other(db) -> Other:
    province = ProvinceFactory(name="Tỉnh Tuyên Quang")
    commune = CommuneFactory(name="Xã Côn Lôn", parent=DistrictFactory(name="Huyện Na Hang", parent=province))
    coordinator = UserFactory(username="coordinator_tq", role=Role.PROVINCE_COORDINATOR, unit=province)
    return Other(province, commune, coordinator)


@pytest.fixture
def agency(geography):
    return AgencyFactory(name="Sở Tài chính", unit=geography.province)


@pytest.fixture
def assignment_b1(geography):
    """Another agency's assignment, to commune B1."""
    return SponsorAssignmentFactory(agency=AgencyFactory(unit=geography.province), commune=geography.commune_b1)


@pytest.fixture
def criteria_2016(db):
    return CriteriaSetFactory(period_start=2016, period_end=2020, criteria_count=19)


def criterion(criteria_set, number):
    return criteria_set.criteria.get(number=number)


def round_with(commune, criteria_set, *, year, met, as_of=None):
    """A round of `commune` in which `met` of the set's criteria are met."""
    assessment_round = AssessmentRoundFactory(
        commune=commune, criteria_set=criteria_set, year=year, as_of=as_of or datetime.date(year, 12, 31)
    )
    for c in criteria_set.criteria.order_by("number"):
        CriterionResultFactory(assessment_round=assessment_round, criterion=c, met=c.number <= met)
    return assessment_round


# --- every kind, by the province's coordinator ---------------------------------------------------------------------


@dataclass
class Kind:
    name: str
    model: type
    create: object
    update: object
    delete: object
    fields: object  # geography → the create arguments
    changes: dict
    moved: object  # geography, other → the change that moves it to the other province


def _agency_fields(g):
    return {"name": "Sở Xây dựng", "kind": AgencyKind.DEPARTMENT, "unit": g.province}


def _assignment_fields(g):
    return {
        "agency": AgencyFactory(unit=g.province),
        "commune": g.commune_a1,
        "decided_by": "UBND tỉnh",
        "decision_number": "708/QĐ-UBND",
        "decision_date": datetime.date(2017, 8, 17),
        "start_date": datetime.date(2017, 8, 17),
    }


def _secondment_fields(g):
    return {
        "cadre": CadreFactory(home_agency=AgencyFactory(unit=g.province)),
        "commune": g.commune_a1,
        "kind": SecondmentKind.SECONDED,
        "decided_by": "Thường trực Tỉnh ủy",
        "decision_number": "12-TB/TU",
        "decision_date": datetime.date(2016, 3, 1),
        "start_date": START,
    }


def _visit_fields(g):
    agency = AgencyFactory(unit=g.province)
    SponsorAssignmentFactory(agency=agency, commune=g.commune_a1)
    return {
        "agency": agency,
        "commune": g.commune_a1,
        "visit_date": datetime.date(2018, 5, 10),
        "days_on_site": Decimal("1.5"),
        "activities": "Họp với Đảng ủy xã về tiêu chí thu nhập",
    }


def _support_fields(g):
    return {
        "giver": AgencyFactory(unit=g.province),
        "commune": g.commune_a1,
        "date": datetime.date(2018, 6, 1),
        "kind": SupportKind.CASH,
        "value_vnd": 50_000_000,
        "description": "Xây nhà văn hóa thôn",
    }


def _plan_item_fields(g):
    plan = WorkPlanFactory(
        assignment=SponsorAssignmentFactory(agency=AgencyFactory(unit=g.province), commune=g.commune_a1)
    )
    return {
        "work_plan": plan,
        "period": PlanPeriod.QUARTER,
        "period_number": 2,
        "title": "Hoàn thiện hồ sơ",
        "due_date": datetime.date(2018, 6, 30),
    }


KINDS = [
    Kind(
        "agency",
        Agency,
        services.agency_create,
        services.agency_update,
        services.agency_delete,
        _agency_fields,
        {"short_name": "SXD"},
        lambda g, o: {"unit": o.province},
    ),
    Kind(
        "cadre",
        Cadre,
        services.cadre_create,
        services.cadre_update,
        services.cadre_delete,
        lambda g: {"full_name": "Nguyễn Văn Hòa", "home_agency": AgencyFactory(unit=g.province)},
        {"title": "Phó trưởng phòng"},
        lambda g, o: {"home_agency": AgencyFactory(unit=o.province)},
    ),
    Kind(
        "batch",
        SecondmentBatch,
        services.secondment_batch_create,
        services.secondment_batch_update,
        services.secondment_batch_delete,
        lambda g: {"province": g.province, "name": "Đợt 1", "year": 2014},
        {"decision_number": "05-TB/TU"},
        lambda g, o: {"province": o.province},
    ),
    Kind(
        "secondment",
        Secondment,
        services.secondment_create,
        services.secondment_update,
        services.secondment_delete,
        _secondment_fields,
        {"role_at_commune": "Phó Bí thư Đảng ủy"},
        lambda g, o: {"commune": o.commune},
    ),
    Kind(
        "assignment",
        SponsorAssignment,
        services.sponsor_assignment_create,
        services.sponsor_assignment_update,
        services.sponsor_assignment_delete,
        _assignment_fields,
        {"decision_number": "140-QĐ/TU"},
        lambda g, o: {"commune": o.commune},
    ),
    Kind(
        "work plan",
        WorkPlan,
        services.work_plan_create,
        services.work_plan_update,
        services.work_plan_delete,
        lambda g: {
            "assignment": SponsorAssignmentFactory(agency=AgencyFactory(unit=g.province), commune=g.commune_a1),
            "year": 2018,
            "title": "Kế hoạch",
        },
        {"title": "Kế hoạch năm 2018"},
        lambda g, o: {"assignment": SponsorAssignmentFactory(agency=AgencyFactory(unit=o.province), commune=o.commune)},
    ),
    Kind(
        "work plan item",
        WorkPlanItem,
        services.work_plan_item_create,
        services.work_plan_item_update,
        services.work_plan_item_delete,
        _plan_item_fields,
        {"status": PlanItemStatus.DONE, "done_on": datetime.date(2018, 6, 20)},
        None,
    ),
    Kind(
        "field visit",
        FieldVisit,
        services.field_visit_create,
        services.field_visit_update,
        services.field_visit_delete,
        _visit_fields,
        {"hours_on_site": Decimal(6)},
        lambda g, o: {"commune": o.commune},
    ),
    Kind(
        "support",
        SupportContribution,
        services.support_contribution_create,
        services.support_contribution_update,
        services.support_contribution_delete,
        _support_fields,
        {"value_vnd": 22_500_000_000},
        lambda g, o: {"commune": o.commune},
    ),
]
KIND_IDS = [kind.name for kind in KINDS]


@pytest.mark.parametrize("kind", KINDS, ids=KIND_IDS)
def test_the_coordinator_creates_changes_and_deletes_each_kind_in_its_province(kind, geography, province_coordinator):
    record = kind.create(user=province_coordinator, **kind.fields(geography))
    assert kind.model.objects.filter(pk=record.pk).exists()

    changed = kind.update(user=province_coordinator, instance=record, **kind.changes)
    stored = kind.model.objects.get(pk=record.pk)
    for name, value in kind.changes.items():
        assert getattr(stored, name) == value == getattr(changed, name)

    kind.delete(user=province_coordinator, instance=stored)
    assert not kind.model.objects.filter(pk=record.pk).exists()


@pytest.mark.parametrize("kind", KINDS, ids=KIND_IDS)
def test_a_coordinator_of_another_province_can_neither_create_change_nor_delete(
    kind, geography, province_coordinator, other
):
    fields = kind.fields(geography)
    count = kind.model.objects.count()
    with pytest.raises(AccessDenied, match="không có quyền"):
        kind.create(user=other.coordinator, **fields)
    assert kind.model.objects.count() == count

    record = kind.create(user=province_coordinator, **kind.fields(geography))
    with pytest.raises(AccessDenied):
        kind.update(user=other.coordinator, instance=record, **kind.changes)
    with pytest.raises(AccessDenied):
        kind.delete(user=other.coordinator, instance=record)
    assert kind.model.objects.filter(pk=record.pk).exists()


@pytest.mark.parametrize("kind", KINDS, ids=KIND_IDS)
def test_a_district_officer_cannot_write_any_kind(kind, geography, district_officer_a, province_coordinator):
    with pytest.raises(AccessDenied):
        kind.create(user=district_officer_a, **kind.fields(geography))

    record = kind.create(user=province_coordinator, **kind.fields(geography))
    with pytest.raises(AccessDenied):
        kind.update(user=district_officer_a, instance=record, **kind.changes)
    with pytest.raises(AccessDenied):
        kind.delete(user=district_officer_a, instance=record)


@pytest.mark.parametrize("kind", [k for k in KINDS if k.moved], ids=[k.name for k in KINDS if k.moved])
def test_moving_a_record_into_another_province_is_refused(kind, geography, province_coordinator, other):
    record = kind.create(user=province_coordinator, **kind.fields(geography))
    before = {f.attname: getattr(record, f.attname) for f in kind.model._meta.concrete_fields}

    with pytest.raises(AccessDenied):
        kind.update(user=province_coordinator, instance=record, **kind.moved(geography, other))

    stored = kind.model.objects.get(pk=record.pk)
    assert {f.attname: getattr(stored, f.attname) for f in kind.model._meta.concrete_fields} == before


def test_a_commune_official_cannot_record_a_secondment_to_its_own_commune(geography, commune_official_a1):
    with pytest.raises(AccessDenied, match="Bạn không có quyền thêm, sửa hoặc xóa biệt phái / luân chuyển này."):
        services.secondment_create(user=commune_official_a1, **_secondment_fields(geography))
    assert not Secondment.objects.exists()


# --- the agency liaison -----------------------------------------------------------------------------------------------


def test_a_liaison_records_changes_and_deletes_a_visit_to_its_assigned_commune(
    geography, agency_liaison, criteria_2016
):
    visit = services.field_visit_create(
        user=agency_liaison,
        agency=agency_liaison.agency,
        commune=geography.commune_a1,
        visit_date=datetime.date(2018, 5, 10),
        days_on_site=Decimal("0.5"),
        hours_on_site=Decimal(4),
        participants="Phó Giám đốc Sở và 2 chuyên viên",
        activities="Dự sinh hoạt chi bộ thôn Bản Pác",
        party_cell_meetings=1,
        criteria_addressed=[criterion(criteria_2016, 10), criterion(criteria_2016, 12)],
    )

    assert sorted(c.number for c in visit.criteria_addressed.all()) == [10, 12]
    changed = services.field_visit_update(
        user=agency_liaison, instance=visit, days_on_site=Decimal(1), criteria_addressed=[criterion(criteria_2016, 2)]
    )
    assert changed.days_on_site == Decimal(1)
    assert [c.number for c in FieldVisit.objects.get(pk=visit.pk).criteria_addressed.all()] == [2]

    services.field_visit_delete(user=agency_liaison, instance=changed)
    assert not FieldVisit.objects.exists()


def test_a_liaison_cannot_record_a_visit_to_another_agencys_commune(geography, agency_liaison, assignment_b1):
    with pytest.raises(AccessDenied):
        services.field_visit_create(
            user=agency_liaison,
            agency=agency_liaison.agency,
            commune=geography.commune_b1,
            visit_date=datetime.date(2018, 5, 10),
            days_on_site=Decimal(1),
            activities="Khảo sát",
        )
    assert not FieldVisit.objects.exists()


def test_a_liaison_cannot_record_a_visit_in_another_agencys_name(geography, agency_liaison):
    someone_else = AgencyFactory(unit=geography.province)
    SponsorAssignmentFactory(agency=someone_else, commune=geography.commune_a1)

    with pytest.raises(AccessDenied):
        services.field_visit_create(
            user=agency_liaison,
            agency=someone_else,
            commune=geography.commune_a1,
            visit_date=datetime.date(2018, 5, 10),
            days_on_site=Decimal(1),
            activities="Khảo sát",
        )


def test_a_liaison_cannot_move_its_visit_to_another_agencys_commune(geography, agency_liaison, assignment_b1):
    visit = FieldVisitFactory(agency=agency_liaison.agency, commune=geography.commune_a1)

    with pytest.raises(AccessDenied):
        services.field_visit_update(user=agency_liaison, instance=visit, commune=geography.commune_b1)

    assert FieldVisit.objects.get(pk=visit.pk).commune == geography.commune_a1


def test_a_liaison_records_support_for_its_assigned_commune_and_not_for_another(
    geography, agency_liaison, assignment_b1
):
    support = services.support_contribution_create(
        user=agency_liaison,
        giver=agency_liaison.agency,
        commune=geography.commune_a1,
        date=datetime.date(2018, 6, 1),
        kind=SupportKind.IN_KIND,
        value_vnd=15_000_000,
        description="Chăn ấm",
    )
    assert support.pk

    with pytest.raises(AccessDenied):
        services.support_contribution_create(
            user=agency_liaison,
            giver=agency_liaison.agency,
            commune=geography.commune_b1,
            date=datetime.date(2018, 6, 1),
            kind=SupportKind.IN_KIND,
            value_vnd=15_000_000,
            description="Chăn ấm",
        )


def test_a_liaison_updates_the_items_of_its_own_agencys_plan_only(geography, agency_liaison, assignment_b1):
    own_plan = WorkPlanFactory(assignment=agency_liaison.agency.assignments.get())
    item = services.work_plan_item_create(
        user=agency_liaison,
        work_plan=own_plan,
        period=PlanPeriod.MONTH,
        period_number=5,
        title="Tập huấn",
        due_date=datetime.date(2018, 5, 31),
    )
    done = services.work_plan_item_update(
        user=agency_liaison, instance=item, status=PlanItemStatus.DONE, done_on=datetime.date(2018, 5, 20)
    )
    assert done.status == PlanItemStatus.DONE

    other_item = WorkPlanItemFactory(work_plan=WorkPlanFactory(assignment=assignment_b1))
    with pytest.raises(AccessDenied):
        services.work_plan_item_update(user=agency_liaison, instance=other_item, title="Sửa trộm")
    with pytest.raises(AccessDenied):
        services.work_plan_item_create(
            user=agency_liaison,
            work_plan=other_item.work_plan,
            period=PlanPeriod.YEAR,
            period_number=1,
            title="Thêm trộm",
            due_date=datetime.date(2018, 12, 31),
        )


def test_a_liaison_cannot_write_secondments_assignments_or_plans(geography, agency_liaison):
    with pytest.raises(AccessDenied):
        services.secondment_create(user=agency_liaison, **_secondment_fields(geography))
    with pytest.raises(AccessDenied):
        services.work_plan_create(
            user=agency_liaison, assignment=agency_liaison.agency.assignments.get(), year=2018, title="Kế hoạch"
        )
    with pytest.raises(AccessDenied):
        services.agency_update(user=agency_liaison, instance=agency_liaison.agency, contact="0208 3858 136")


# --- the model's rules come back as field messages --------------------------------------------------------------------


def test_a_decision_dated_after_the_start_is_refused_in_words(geography, province_coordinator):
    fields = _secondment_fields(geography) | {"decision_date": datetime.date(2016, 4, 1)}

    with pytest.raises(ValidationError) as error:
        services.secondment_create(user=province_coordinator, **fields)

    assert error.value.message_dict == {"decision_date": ["Quyết định phải có trước ngày bắt đầu."]}
    assert not Secondment.objects.exists()


def test_only_an_enterprise_can_be_twinned(geography, province_coordinator):
    fields = _assignment_fields(geography) | {"role": SponsorRole.TWINNED}

    with pytest.raises(ValidationError) as error:
        services.sponsor_assignment_create(user=province_coordinator, **fields)

    assert error.value.message_dict["role"] == ["Chỉ doanh nghiệp mới là đơn vị kết nghĩa."]


def test_a_visit_addresses_only_criteria_of_the_set_in_force_that_year(geography, province_coordinator, criteria_2016):
    later_set = CriteriaSetFactory(period_start=2021, period_end=2025, criteria_count=3)
    fields = _visit_fields(geography) | {"criteria_addressed": [criterion(later_set, 3)]}

    with pytest.raises(ValidationError) as error:
        services.field_visit_create(user=province_coordinator, **fields)

    assert error.value.message_dict["criteria_addressed"] == ["Tiêu chí 3 không thuộc bộ tiêu chí áp dụng năm 2018."]


def test_a_visit_names_a_seconded_cadre_of_its_own_commune_only(geography, province_coordinator):
    elsewhere = SecondmentFactory(commune=geography.commune_b1)
    fields = _visit_fields(geography) | {"secondment": elsewhere}

    with pytest.raises(ValidationError) as error:
        services.field_visit_create(user=province_coordinator, **fields)

    assert error.value.message_dict == {"secondment": ["Cán bộ biệt phái đã chọn không công tác tại xã này."]}


def test_a_visit_without_days_or_hours_is_refused(geography, province_coordinator):
    fields = _visit_fields(geography) | {"days_on_site": Decimal(0)}

    with pytest.raises(ValidationError) as error:
        services.field_visit_create(user=province_coordinator, **fields)

    assert error.value.message_dict == {"days_on_site": ["Nhập số ngày hoặc số giờ làm việc tại xã."]}


def test_an_agency_with_cadres_cannot_be_deleted_and_says_why(geography, province_coordinator, agency):
    CadreFactory(home_agency=agency)

    with pytest.raises(ValidationError, match="Không xóa được cơ quan, đơn vị này vì còn cán bộ gắn với nó."):
        services.agency_delete(user=province_coordinator, instance=agency)

    assert Agency.objects.filter(pk=agency.pk).exists()


def test_an_update_of_a_field_that_cannot_change_is_a_programming_error(geography, province_coordinator, agency):
    with pytest.raises(TypeError):
        services.agency_update(user=province_coordinator, instance=agency, pk=999)


def test_an_update_starts_from_the_stored_row_not_from_the_callers_copy(geography, province_coordinator, other):
    """A bound ModelForm writes onto its instance before the service runs: the check "as it is" reads the database."""
    secondment = SecondmentFactory(
        commune=other.commune, cadre=CadreFactory(home_agency=AgencyFactory(unit=other.province))
    )
    secondment.commune = geography.commune_a1  # as a form would have left it

    with pytest.raises(AccessDenied):
        services.secondment_update(user=province_coordinator, instance=secondment, role_at_commune="Bí thư")

    assert Secondment.objects.get(pk=secondment.pk).role_at_commune == ""


def test_a_batch_of_another_province_cannot_send_a_cadre_here(geography, province_coordinator, other):
    fields = _secondment_fields(geography) | {"batch": SecondmentBatchFactory(province=other.province)}

    with pytest.raises(ValidationError) as error:
        services.secondment_create(user=province_coordinator, **fields)

    assert "batch" in error.value.message_dict


# --- the criteria count at both ends of a secondment ----------------------------------------------------------------


def test_a_new_secondment_takes_the_communes_criteria_count_on_its_first_day(
    geography, province_coordinator, criteria_2016
):
    round_with(geography.commune_a1, criteria_2016, year=2015, met=9, as_of=datetime.date(2015, 12, 31))
    round_with(geography.commune_a1, criteria_2016, year=2016, met=15)  # dated 31/12/2016: after the start
    round_with(geography.commune_a2, criteria_2016, year=2015, met=3)  # another commune

    secondment = services.secondment_create(user=province_coordinator, **_secondment_fields(geography))

    assert secondment.criteria_met_at_start == 9
    assert secondment.criteria_met_at_end is None


def test_a_criteria_count_given_at_the_start_is_kept(geography, province_coordinator, criteria_2016):
    round_with(geography.commune_a1, criteria_2016, year=2015, met=9)

    secondment = services.secondment_create(
        user=province_coordinator, criteria_met_at_start=11, **_secondment_fields(geography)
    )

    assert secondment.criteria_met_at_start == 11


def test_a_commune_without_any_round_yet_has_no_count_at_the_start(geography, province_coordinator):
    secondment = services.secondment_create(user=province_coordinator, **_secondment_fields(geography))

    assert secondment.criteria_met_at_start is None


def test_closing_a_secondment_takes_the_count_on_its_last_day(geography, province_coordinator, criteria_2016):
    # Seed 002: Đức Yên had 9 criteria when its new chairman arrived and met them all 7 months later.
    round_with(geography.commune_a1, criteria_2016, year=2015, met=9)
    round_with(geography.commune_a1, criteria_2016, year=2016, met=19, as_of=datetime.date(2016, 10, 1))
    secondment = services.secondment_create(user=province_coordinator, **_secondment_fields(geography))

    closed = services.secondment_close(
        user=province_coordinator, secondment=secondment, actual_end_date=datetime.date(2016, 10, 15)
    )

    stored = Secondment.objects.get(pk=secondment.pk)
    assert (closed.criteria_met_at_start, closed.criteria_met_at_end) == (9, 19)
    assert (stored.actual_end_date, stored.criteria_met_at_end) == (datetime.date(2016, 10, 15), 19)


def test_closing_again_corrects_the_date_and_the_count(geography, province_coordinator, criteria_2016):
    round_with(geography.commune_a1, criteria_2016, year=2016, met=12, as_of=datetime.date(2016, 6, 30))
    round_with(geography.commune_a1, criteria_2016, year=2017, met=17, as_of=datetime.date(2017, 6, 30))
    secondment = services.secondment_create(user=province_coordinator, **_secondment_fields(geography))
    services.secondment_close(
        user=province_coordinator, secondment=secondment, actual_end_date=datetime.date(2016, 12, 31)
    )

    corrected = services.secondment_close(
        user=province_coordinator, secondment=secondment, actual_end_date=datetime.date(2017, 7, 1)
    )

    assert corrected.criteria_met_at_end == 17


def test_closing_before_the_start_is_refused_in_words(geography, province_coordinator):
    secondment = services.secondment_create(user=province_coordinator, **_secondment_fields(geography))

    with pytest.raises(ValidationError) as error:
        services.secondment_close(
            user=province_coordinator, secondment=secondment, actual_end_date=datetime.date(2016, 1, 1)
        )

    assert error.value.message_dict == {"actual_end_date": ["Ngày kết thúc phải sau ngày bắt đầu."]}
    assert Secondment.objects.get(pk=secondment.pk).actual_end_date is None


def test_only_the_province_closes_a_secondment(geography, province_coordinator, district_officer_a, other):
    secondment = services.secondment_create(user=province_coordinator, **_secondment_fields(geography))

    for user in (district_officer_a, other.coordinator):
        with pytest.raises(AccessDenied):
            services.secondment_close(user=user, secondment=secondment, actual_end_date=datetime.date(2017, 1, 1))

    assert Secondment.objects.get(pk=secondment.pk).actual_end_date is None


def test_a_secondment_recorded_after_it_ended_has_both_counts(geography, province_coordinator, criteria_2016):
    round_with(geography.commune_a1, criteria_2016, year=2015, met=9)
    round_with(geography.commune_a1, criteria_2016, year=2016, met=19)

    secondment = services.secondment_create(
        user=province_coordinator, actual_end_date=datetime.date(2017, 3, 1), **_secondment_fields(geography)
    )

    assert (secondment.criteria_met_at_start, secondment.criteria_met_at_end) == (9, 19)


def test_clearing_the_count_at_the_start_takes_it_again_for_the_new_start_date(
    geography, province_coordinator, criteria_2016
):
    round_with(geography.commune_a1, criteria_2016, year=2015, met=9)
    round_with(geography.commune_a1, criteria_2016, year=2016, met=14)
    secondment = services.secondment_create(user=province_coordinator, **_secondment_fields(geography))

    moved = services.secondment_update(
        user=province_coordinator, instance=secondment, start_date=datetime.date(2017, 2, 1), criteria_met_at_start=None
    )

    assert moved.criteria_met_at_start == 14
