"""Small provinces built by hand whose accountability figures are known in advance (issue 8).

The selector, API, dashboard and PDF tests all build these cases and check the same figures, written out here next to
the data that gives them, so a reader can count them by hand:

- `seconded_communes_case`: seed 000's "13 of 20 communes with seconded cadres reached the standard" → 13/20, 65%,
  against 2 of 9 comparable communes without a cadre (22.2%).
- `sponsor_case`: two quarters and a bit of 2024 for three sponsors, one of which comes "a few hours" (seed 003).
- `forecast_case`: six communes of a district whose 2025 target of 4 communes is missed by one on the present trend.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from communes.models import AdministrativeUnit
from criteria import ledger
from criteria.models import CriteriaSet, CriterionResult
from secondments.choices import AgencyKind, PlanItemStatus, PlanPeriod, SupportKind
from secondments.models import Agency, SecondmentBatch, WorkPlan
from tests.communes.factories import CommuneFactory, DistrictFactory, RecognitionFactory
from tests.criteria.factories import AssessmentRoundFactory, CriteriaSetFactory, UnitTargetFactory
from tests.secondments.factories import (
    AgencyFactory,
    CadreFactory,
    FieldVisitFactory,
    SecondmentFactory,
    SponsorAssignmentFactory,
    SupportContributionFactory,
    WorkPlanItemFactory,
)

D = datetime.date


def national_set(*, period_start: int = 2021, period_end: int = 2025, criteria: int = 19) -> CriteriaSet:
    """A national basic set (no issuing province) with numbered criteria "Tiêu chí 1" …"""
    existing = CriteriaSet.objects.filter(code=f"test-national-{period_start}").first()
    if existing is not None:  # two cases built in one test share the set
        return existing
    return CriteriaSetFactory(
        code=f"test-national-{period_start}",
        period_start=period_start,
        period_end=period_end,
        criteria_count=criteria,
    )


def assessed(commune: AdministrativeUnit, criteria_set: CriteriaSet, year: int, met: int):
    """A round on 31 December of `year` meeting the set's first `met` criteria and no other."""
    assessment_round = AssessmentRoundFactory(commune=commune, criteria_set=criteria_set, year=year)
    CriterionResult.objects.bulk_create(
        CriterionResult(
            assessment_round=assessment_round, criterion=criterion, met=criterion.number <= met, assessed_as_whole=True
        )
        for criterion in criteria_set.criteria.order_by("number")
    )
    ledger.refresh_communes([commune.pk])
    return assessment_round


# --- secondments ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SecondedCase:
    province: AdministrativeUnit
    district: AdministrativeUnit
    batch: SecondmentBatch
    agency_a: Agency  # home agency of the cadres of communes 1–12
    agency_b: Agency  # of communes 13–20
    seconded: list[AdministrativeUnit]  # 20 communes, "Xã Biệt Phái 01" …
    comparison: list[AdministrativeUnit]  # 10 communes without a cadre, "Xã Đối Chứng 01" …
    as_of: datetime.date = D(2020, 12, 31)
    # Every secondment: 1 March 2016 to 31 December 2017, 8 criteria at arrival.
    # Communes 1–10 recognised 1 June 2017 (during: 15 months), 11–13 on 1 September 2018 (within the 12 months
    # after: 30 months), 14–15 on 1 June 2019 (18 months after: too late), 16–20 not at all.
    # Criteria at the end: 19 for communes 1–13, 12 for 14–20 (gains: 13 × 11, 7 × 4).
    communes_meeting_standard: int = 13
    communes: int = 20
    percent_meeting_standard: float = 65.0
    median_criteria_gained: float = 11.0
    median_months_to_standard: float = 15.0
    # Agency A: 12 of 12 (100%), gains all 11, months 10 × 15 and 2 × 30 → 15. Agency B: 1 of 8 (12.5%), gains
    # 11 and 7 × 4 → 4, months 30.
    # Comparison: 10 communes, one recognised before the period (1 June 2015: not counted), 2 of the other 9 reach
    # the standard by 31 December 2018 (the end plus 12 months): 1 September 2017 (18 months after 1 March 2016) and
    # 1 March 2018 (24) → 2/9 = 22.2%, median 21 months; no rounds, so no median gain.
    comparison_communes: int = 9
    comparison_reaching: int = 2
    comparison_percent: float = 22.2
    comparison_median_months: float = 21.0


def seconded_communes_case(province: AdministrativeUnit) -> SecondedCase:
    district = DistrictFactory(parent=province, name="Huyện Biệt Phái")
    batch = SecondmentBatch.objects.create(province=province, name="Đợt 1 năm 2016", year=2016)
    agency_a = AgencyFactory(unit=province, name="Ban Tổ chức Tỉnh ủy", kind=AgencyKind.BOARD)
    agency_b = AgencyFactory(unit=province, name="Sở Nông nghiệp và Môi trường")
    seconded = [CommuneFactory(parent=district, name=f"Xã Biệt Phái {n:02d}") for n in range(1, 21)]
    for number, commune in enumerate(seconded, start=1):
        SecondmentFactory(
            cadre=CadreFactory(home_agency=agency_a if number <= 12 else agency_b),
            commune=commune,
            batch=batch,
            decision_date=D(2016, 2, 20),
            start_date=D(2016, 3, 1),
            planned_end_date=D(2017, 12, 31),
            actual_end_date=D(2017, 12, 31),
            criteria_met_at_start=8,
            criteria_met_at_end=19 if number <= 13 else 12,
        )
        recognised_on = (
            D(2017, 6, 1)
            if number <= 10
            else D(2018, 9, 1)
            if number <= 13
            else D(2019, 6, 1)
            if number <= 15
            else None
        )
        if recognised_on:
            RecognitionFactory(commune=commune, year=recognised_on.year, decision_date=recognised_on)
    comparison = [CommuneFactory(parent=district, name=f"Xã Đối Chứng {n:02d}") for n in range(1, 11)]
    for commune, recognised_on in zip(comparison, (D(2017, 9, 1), D(2018, 3, 1), D(2015, 6, 1)), strict=False):
        RecognitionFactory(commune=commune, year=recognised_on.year, decision_date=recognised_on)
    return SecondedCase(province, district, batch, agency_a, agency_b, seconded, comparison)


# --- sponsors ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SponsorCase:
    province: AdministrativeUnit
    health: Agency  # "Sở Y tế": diligent, communes X and Y
    enterprise: Agency  # "Công ty Chè Thử": commune Z, "a few hours" (seed 003)
    transport: Agency  # "Sở GTVT": commune W from 1 May 2024
    communes: dict[str, AdministrativeUnit]  # "X", "Y", "Z", "W"
    year: int = 2024
    as_of: datetime.date = D(2024, 8, 15)  # Q3 has begun, not ended: shown, never flagged
    # Minimums: 1 visit and 1 day on site per assigned commune and quarter (the settings' defaults).
    # Sở Y tế: Q1 3 visits, 3 days (X twice, Y once); Q2 2 visits, 3 days (X 2 days, Y 1); Q3 1 visit to X, Y not
    # yet visited → 6 visits, 7 days, never flagged.
    # Công ty Chè Thử: Q1 1 visit of 0.5 day (4 hours) → below; Q2 none, Z not visited → below; Q3 none, not yet
    # flagged → 1 visit, 0.5 day, 2 quarters below minimum: flagged.
    # Sở GTVT: Q1 nothing assigned; Q2 1 visit of 1 day; Q3 none → not flagged.
    agencies_flagged: int = 1
    # Support in 2024 (one of 999,000,000 in 2023 is left out): Sở Y tế cash 100,000,000 for criterion 15; the
    # enterprise infrastructure 2,000,000,000 for criterion 2 and training 50,000,000 for no criterion.
    support_total_vnd: int = 2_150_000_000
    # Work-plan items due in 2024: Sở Y tế done 2, late 1 (due 28 June, open), open 1 (due 28 September), and a
    # cancelled one left out; the enterprise late 2.
    plan_items_done: int = 2
    plan_items_late: int = 3
    plan_items_open: int = 1


def sponsor_case(province: AdministrativeUnit) -> SponsorCase:
    criteria_set = national_set()
    criterion = {c.number: c for c in criteria_set.criteria.all()}
    district = DistrictFactory(parent=province, name="Huyện Đỡ Đầu")
    communes = {key: CommuneFactory(parent=district, name=f"Xã Đỡ Đầu {key}") for key in "XYZW"}
    health = AgencyFactory(unit=province, name="Sở Y tế")
    enterprise = AgencyFactory(unit=province, name="Công ty Chè Thử", kind=AgencyKind.ENTERPRISE)
    transport = AgencyFactory(unit=province, name="Sở Giao thông vận tải", short_name="Sở GTVT")
    assignments = {
        "X": SponsorAssignmentFactory(agency=health, commune=communes["X"], start_date=D(2023, 1, 1)),
        "Y": SponsorAssignmentFactory(agency=health, commune=communes["Y"], start_date=D(2023, 1, 1)),
        "Z": SponsorAssignmentFactory(agency=enterprise, commune=communes["Z"], start_date=D(2023, 1, 1)),
        "W": SponsorAssignmentFactory(
            agency=transport, commune=communes["W"], start_date=D(2024, 5, 1), decision_date=D(2024, 4, 20)
        ),
    }
    visits = [
        (health, "X", D(2024, 1, 10), "1"),
        (health, "X", D(2024, 3, 5), "1"),
        (health, "Y", D(2024, 2, 20), "1"),
        (health, "X", D(2024, 5, 14), "2"),
        (health, "Y", D(2024, 6, 3), "1"),
        (health, "X", D(2024, 7, 22), "1"),
        (enterprise, "Z", D(2024, 3, 28), "0.5"),
        (transport, "W", D(2024, 6, 12), "1"),
        (health, "X", D(2023, 11, 2), "3"),  # the year before: left out
    ]
    for agency, key, day, days in visits:
        FieldVisitFactory(
            agency=agency,
            commune=communes[key],
            visit_date=day,
            days_on_site=Decimal(days),
            hours_on_site=Decimal(4) if days == "0.5" else Decimal(days) * 8,
        )
    support = [
        (health, "X", D(2024, 4, 1), SupportKind.CASH, 100_000_000, criterion[15]),
        (enterprise, "Z", D(2024, 5, 1), SupportKind.INFRASTRUCTURE, 2_000_000_000, criterion[2]),
        (enterprise, "Z", D(2024, 6, 1), SupportKind.TRAINING, 50_000_000, None),
        (enterprise, "Z", D(2023, 6, 1), SupportKind.CASH, 999_000_000, None),  # the year before: left out
    ]
    for giver, key, day, kind, value, aimed_at in support:
        SupportContributionFactory(
            giver=giver, commune=communes[key], date=day, kind=kind, value_vnd=value, criterion=aimed_at
        )
    health_plan = WorkPlan.objects.create(assignment=assignments["X"], year=2024, title="Kế hoạch giúp đỡ năm 2024")
    enterprise_plan = WorkPlan.objects.create(assignment=assignments["Z"], year=2024, title="Kế hoạch kết nghĩa 2024")
    items = [
        (health_plan, 1, D(2024, 3, 28), PlanItemStatus.DONE, D(2024, 3, 20)),
        (health_plan, 2, D(2024, 6, 28), PlanItemStatus.DONE, D(2024, 7, 2)),
        (health_plan, 2, D(2024, 6, 28), PlanItemStatus.OPEN, None),
        (health_plan, 3, D(2024, 9, 28), PlanItemStatus.OPEN, None),
        (health_plan, 4, D(2024, 12, 28), PlanItemStatus.CANCELLED, None),
        (enterprise_plan, 1, D(2024, 3, 28), PlanItemStatus.OPEN, None),
        (enterprise_plan, 2, D(2024, 6, 28), PlanItemStatus.OPEN, None),
    ]
    for work_plan, quarter, due, status, done_on in items:
        WorkPlanItemFactory(
            work_plan=work_plan,
            period=PlanPeriod.QUARTER,
            period_number=quarter,
            due_date=due,
            status=status,
            done_on=done_on,
        )
    return SponsorCase(province, health, enterprise, transport, communes)


# --- forecast ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ForecastCase:
    province: AdministrativeUnit
    district: AdministrativeUnit
    communes: dict[str, AdministrativeUnit]  # "F1" … "F6"
    as_of: datetime.date = D(2023, 12, 31)
    # F1 recognised 20 December 2022, F2 in 2021: meeting now (2).
    # F3 13, 15, 17 criteria in 2021–2023: 2 a year, 2 missing → 2024.
    # F4 10, 12, 13: 1.5 a year, 6 missing → 4 years → 2027.
    # F5 14, 14, 14: stalled. F6 one round (18 in 2023): not enough data.
    # The district's target: 4 communes by 2025 (decision "NQ thử 01"). 2 meet, F3 is on track, F4 is not:
    # 3 on the trend, 1 short. Deciding: F3 (on track), F4 (not).
    target_year: int = 2025
    target_communes_meeting_standard: int = 4
    communes_meeting_standard: int = 2
    communes_projected: int = 3
    shortfall: int = 1
    projection: tuple = ((2024, 3), (2025, 3), (2026, 3), (2027, 4), (2028, 4))  # as_of is 31 December: 2023 is over


def forecast_case(province: AdministrativeUnit) -> ForecastCase:
    criteria_set = national_set()
    district = DistrictFactory(parent=province, name="Huyện Dự Báo")
    communes = {
        key: CommuneFactory(parent=district, name=f"Xã Dự Báo {key}") for key in ("F1", "F2", "F3", "F4", "F5", "F6")
    }
    RecognitionFactory(commune=communes["F1"], year=2022, decision_date=D(2022, 12, 20), criteria_set=criteria_set)
    RecognitionFactory(commune=communes["F2"], year=2021, decision_date=D(2021, 12, 20), criteria_set=criteria_set)
    for key, counts in {"F1": (17, 19), "F3": (13, 15, 17), "F4": (10, 12, 13), "F5": (14, 14, 14)}.items():
        for year, met in zip(range(2021, 2021 + len(counts)), counts, strict=True):
            assessed(communes[key], criteria_set, year, met)
    assessed(communes["F6"], criteria_set, 2023, 18)
    UnitTargetFactory(unit=district, year=2025, min_communes_meeting_standard=4, decision="NQ thử 01")
    return ForecastCase(province, district, communes)
