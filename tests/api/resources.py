"""What the API tests need to know of each writable resource: a valid new record's body in a world, a harmless
change, and a fresh record that nothing references (so that deleting it is allowed)."""

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from tests.criteria.factories import UnitTargetFactory
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


@dataclass
class Writable:
    prefix: str
    body: Callable  # world -> the JSON body of a new record in that world
    change: dict  # a harmless PATCH
    fresh: Callable  # world -> a new record nothing points at


def _criterion_ids(world):
    return [world.records["criteria-sets"].criteria.get(number=2).pk]


WRITABLE = [
    Writable(
        "agencies",
        lambda w: {
            "name": f"Sở Y tế {w.province.code}",
            "kind": "department",
            "level": "province",
            "unit_id": w.province.pk,
        },
        {"contact": "0208 385 1234"},
        lambda w: AgencyFactory(unit=w.province),
    ),
    Writable(
        "cadres",
        lambda w: {"full_name": "Trần Thị Hoa", "gender": "female", "birth_year": 1980, "home_agency_id": w.agency.pk},
        {"title": "Phó Giám đốc Sở"},
        lambda w: CadreFactory(home_agency=w.agency),
    ),
    Writable(
        "secondment-batches",
        lambda w: {"province_id": w.province.pk, "name": "Đợt 4", "year": 2018},
        {"decided_by": "Ban Thường vụ Tỉnh ủy"},
        lambda w: SecondmentBatchFactory(province=w.province),
    ),
    Writable(
        "secondments",
        lambda w: {
            "cadre_id": w.records["cadres"].pk,
            "commune_id": w.commune.pk,
            "batch_id": w.records["secondment-batches"].pk,
            "kind": "luan_chuyen",
            "role_at_commune": "Chủ tịch UBND xã",
            "decided_by": "Ban Thường vụ Huyện ủy",
            "decision_number": "57-QĐ/HU",
            "decision_date": "2018-02-01",
            "start_date": "2018-02-15",
        },
        {"role_at_commune": "Phó Bí thư Đảng ủy xã"},
        lambda w: SecondmentFactory(cadre=w.records["cadres"], commune=w.commune),
    ),
    Writable(
        "sponsor-assignments",
        lambda w: {
            "agency_id": w.agency.pk,
            "commune_id": w.commune.pk,
            "role": "responsible",
            "decided_by": "UBND tỉnh",
            "decision_number": "140-QĐ/TU",
            "decision_date": "2019-01-02",
            "start_date": "2019-01-02",
        },
        {"end_date": "2020-12-31"},
        lambda w: SponsorAssignmentFactory(agency=w.agency, commune=w.commune, start_date=datetime.date(2015, 1, 1)),
    ),
    Writable(
        "work-plans",
        lambda w: {"assignment_id": w.records["sponsor-assignments"].pk, "year": 2020, "title": "Kế hoạch năm 2020"},
        {"title": "Kế hoạch giúp đỡ xã (sửa)"},
        lambda w: WorkPlanFactory(assignment=w.records["sponsor-assignments"], year=2019),
    ),
    Writable(
        "work-plan-items",
        lambda w: {
            "work_plan_id": w.records["work-plans"].pk,
            "period": "month",
            "period_number": 3,
            "title": "Vận động hiến đất làm đường",
            "due_date": "2018-03-31",
            "criterion_id": _criterion_ids(w)[0],
        },
        {"status": "done", "done_on": "2018-06-20"},
        lambda w: WorkPlanItemFactory(work_plan=w.records["work-plans"]),
    ),
    Writable(
        "field-visits",
        lambda w: {
            "agency_id": w.agency.pk,
            "commune_id": w.commune.pk,
            "visit_date": "2019-07-01",
            "days_on_site": "0.5",
            "hours_on_site": "4.0",
            "activities": "Dự sinh hoạt chi bộ thôn Làng Mới",
            "party_cell_meetings": 1,
            "criteria_addressed_ids": _criterion_ids(w),
        },
        {"participants": "Đồng chí Phó Giám đốc Sở"},
        lambda w: FieldVisitFactory(agency=w.agency, commune=w.commune),
    ),
    Writable(
        "support-contributions",
        lambda w: {
            "giver_id": w.agency.pk,
            "commune_id": w.commune.pk,
            "date": "2019-08-01",
            "kind": "in_kind",
            "value_vnd": 120_000_000,
            "description": "Xi măng làm đường giao thông nông thôn",
            "criterion_id": _criterion_ids(w)[0],
        },
        {"description": "Xi măng và cát làm đường"},
        lambda w: SupportContributionFactory(giver=w.agency, commune=w.commune),
    ),
    Writable(
        "unit-targets",
        lambda w: {
            "unit_id": w.district.pk,
            "year": 2025,
            "min_communes_meeting_standard": 5,
            "decision": "NQ 07-NQ/HU",
        },
        {"decision": "NQ 07-NQ/HU (sửa đổi)"},
        lambda w: UnitTargetFactory(unit=w.district, year=2021),
    ),
]
WRITABLE_BY_PREFIX = {w.prefix: w for w in WRITABLE}

READ_ONLY = ["administrative-units", "communes", "criteria-sets", "assessment-rounds", "indicator-values"]
