"""A demo province with fifteen years of programme history, built from the field reports in shared/seeds.

Deterministic: every commune draws from its own random stream seeded by (seed, commune code), so a commune's
history is the same whatever the size asked for, and building a larger demo later only adds communes.

Real names come from the 3-level administrative list of January 2025 (communes/data). The province is Thái
Nguyên; beyond its own rural communes, larger sizes borrow whole districts of neighbouring provinces, so the
benchmark province (700 communes) is bigger than any real one in the region.

The seeds' cases appear in it:
- Định Hóa (seed 001): 2.5 criteria per commune in 2011, district target "at least 10 communes by 2020", and
  Phú Đình at 15/19 in 2018 with Nhà ở dân cư, Thu nhập, Hộ nghèo and Y tế unmet;
- three batches of seconded provincial cadres, 7 in 2014, 6 in 2016 and 7 in 2017 (seed 000), 13 of whose 20
  communes reach the standard while the cadre is there or within a year;
- a district cadre rotated in as commune chairman who finds 9 criteria met and leaves 7 months later with all
  met (seed 002);
- provincial agencies assigned to especially disadvantaged communes under QĐ 708/QĐ-UBND (seed 003), some of
  which visit "a few times a year, a few hours each";
- twinned enterprises under QĐ 140-QĐ/TU helping designated (đặc thù) communes, 22.5 billion VND in the first
  year (seed 004).
"""

from __future__ import annotations

import datetime
import json
import math
import random
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F

from communes.choices import CommuneGroup, NtmLevel, Region
from communes.models import AdministrativeUnit, Recognition
from communes.services import merger_2025_import, old_commune_coordinates, units_import
from criteria import ledger
from criteria.choices import Comparison, ReviewState, RoundStatus
from criteria.models import AssessmentRound, CriteriaSet, Criterion, CriterionResult, IndicatorValue, UnitTarget
from ntm_portal.choices import Role, UnitLevel
from ntm_portal.models import User
from secondments.choices import (
    AgencyKind,
    AgencyLevel,
    Gender,
    PlanItemStatus,
    PlanPeriod,
    SecondmentKind,
    SponsorRole,
    SupportKind,
)
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

from . import present as _present

DIVISIONS_FILE = Path(__file__).resolve().parent.parent / "communes" / "data" / "divisions_2025_01_northeast.json"
PROVINCE_NAME = "Tỉnh Thái Nguyên"
SEED_DISTRICT = "Huyện Định Hóa"
SEED_COMMUNE = "Xã Phú Đình"
# History on the 19-criterion sets runs to 2025; the 2025 round is the old communes' last, dated by the day before
# the 1 July 2025 reform closed them (NQ 202/2025/QH15: 34 provinces, no districts).
FIRST_YEAR, LAST_YEAR = 2011, 2025
LAST_FULL_YEAR = 2024  # the last year the old communes lived through whole (work plans, the 2025 targets' rounds)
OLD_LAST_DAY = datetime.date(2025, 6, 30)
MERGER_DAY = datetime.date(2025, 7, 1)
# The demo's "today" (issue 14): nothing is dated after it, so the demo is the same whatever day it is built.
DEMO_TODAY = datetime.date(2026, 12, 6)
SET_BY_YEAR = [(2015, "ntm-2010-2015"), (2020, "ntm-2016-2020"), (2025, "ntm-2021-2025"), (2030, "ntm-2026-2030")]
NEW_SET = "ntm-2026-2030"
DEMO_PASSWORD = "ntm-demo-2026"
# The logins the demo creates (_ensure_users); any other user means the database is not a demo (demo_refusal).
DEMO_USERNAMES = ("vpdp_tinh", "huyen_dinhhoa", "xa_phudinh", "coquan_snn", "xem", "admin")
UNCHANGED_PASSWORD = "(không đổi)"  # printed for a login that existed before: its password is left alone
# Seed 000: 20 provincial cadres in three batches (year, cadres); 13 of their 20 communes reach the standard.
BATCHES = [(2014, 7), (2016, 6), (2017, 7)]
REACHING_PER_BATCH = [5, 4, 4]

# Criteria roughly from easiest to hardest, as the field reports tell it: planning, electricity and security come
# first; income, poverty, housing and health are the last ones a commune meets (seed 001's Phú Đình).
DIFFICULTY = [19, 18, 1, 4, 8, 16, 14, 12, 5, 6, 3, 7, 13, 2, 17, 15, 9, 11, 10]
PHU_DINH_UNMET_2018 = [9, 10, 11, 15]

PROVINCIAL_AGENCIES = [
    ("Sở Nông nghiệp và Phát triển nông thôn", "Sở NN&PTNT", AgencyKind.DEPARTMENT),
    ("Sở Giao thông vận tải", "Sở GTVT", AgencyKind.DEPARTMENT),
    ("Sở Y tế", "", AgencyKind.DEPARTMENT),
    ("Sở Giáo dục và Đào tạo", "Sở GD&ĐT", AgencyKind.DEPARTMENT),
    ("Sở Tài chính", "", AgencyKind.DEPARTMENT),
    ("Sở Kế hoạch và Đầu tư", "Sở KH&ĐT", AgencyKind.DEPARTMENT),
    ("Sở Xây dựng", "", AgencyKind.DEPARTMENT),
    ("Sở Công Thương", "", AgencyKind.DEPARTMENT),
    ("Sở Tài nguyên và Môi trường", "Sở TN&MT", AgencyKind.DEPARTMENT),
    ("Sở Văn hóa, Thể thao và Du lịch", "Sở VHTTDL", AgencyKind.DEPARTMENT),
    ("Sở Lao động - Thương binh và Xã hội", "Sở LĐTBXH", AgencyKind.DEPARTMENT),
    ("Sở Thông tin và Truyền thông", "Sở TT&TT", AgencyKind.DEPARTMENT),
    ("Văn phòng UBND tỉnh", "", AgencyKind.BOARD),
    ("Ban Dân tộc tỉnh", "", AgencyKind.BOARD),
    ("Ban Tổ chức Tỉnh ủy", "", AgencyKind.BOARD),
    ("Ban Dân vận Tỉnh ủy", "", AgencyKind.BOARD),
    ("Kho bạc Nhà nước tỉnh", "", AgencyKind.SECTOR),
    ("Ngân hàng Chính sách xã hội chi nhánh tỉnh", "NHCSXH tỉnh", AgencyKind.SECTOR),
    ("Hội Nông dân tỉnh", "", AgencyKind.MASS_ORGANISATION),
    ("Hội Liên hiệp Phụ nữ tỉnh", "", AgencyKind.MASS_ORGANISATION),
    ("Tỉnh đoàn", "", AgencyKind.MASS_ORGANISATION),
    ("Liên đoàn Lao động tỉnh", "", AgencyKind.MASS_ORGANISATION),
]
# Fictional enterprises: the demo names no real company.
ENTERPRISES = [
    "Công ty Cổ phần Chè Xanh Đại Từ",
    "Công ty TNHH Nông sản Sông Cầu",
    "Công ty Cổ phần Xây dựng Giao thông Núi Cốc",
    "Công ty TNHH Vật liệu Xây dựng Phú Bình",
    "Công ty Cổ phần Dược liệu Võ Nhai",
    "Công ty TNHH Điện nước Đồng Hỷ",
    "Ngân hàng TMCP Phát triển Nông thôn Trung du (chi nhánh tỉnh)",
    "Công ty Cổ phần Thực phẩm An Khánh",
]
FAMILY_NAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Ma", "Lương", "Nông", "Dương"]
MIDDLE_NAMES = {Gender.MALE: ["Văn", "Đức", "Minh", "Quang", "Xuân"], Gender.FEMALE: ["Thị", "Thu", "Ngọc", "Thanh"]}
GIVEN_NAMES = {
    Gender.MALE: ["Hòa", "Thắng", "Bình", "Cường", "Dũng", "Hùng", "Khánh", "Long", "Nam", "Sơn", "Tuấn", "Việt"],
    Gender.FEMALE: ["Hà", "Hạnh", "Hương", "Lan", "Linh", "Mai", "Nga", "Thảo", "Trang", "Yến"],
}
TITLES = ["Phó trưởng phòng", "Chuyên viên chính", "Trưởng phòng", "Phó Chánh Văn phòng", "Chuyên viên"]
VISIT_ACTIVITIES = [
    "Làm việc với Đảng ủy, UBND xã rà soát tiến độ các tiêu chí",
    "Dự sinh hoạt chi bộ thôn, nắm tình hình hộ nghèo",
    "Kiểm tra công trình đường giao thông nông thôn",
    "Tập huấn kỹ thuật trồng chè an toàn cho hộ dân",
    "Hướng dẫn hoàn thiện hồ sơ đề nghị xét công nhận",
    "Khảo sát nhà văn hóa thôn, trạm y tế xã",
    "Trao quà cho hộ nghèo, gia đình chính sách",
]
SUPPORT_DESCRIPTIONS = {
    SupportKind.CASH: "Hỗ trợ kinh phí xây dựng nhà văn hóa thôn",
    SupportKind.IN_KIND: "Hỗ trợ con giống, phân bón cho hộ nghèo",
    SupportKind.TRAINING: "Mở lớp tập huấn chuyển giao kỹ thuật",
    SupportKind.INFRASTRUCTURE: "Hỗ trợ bê tông hóa đường trục thôn",
    SupportKind.SOCIAL_WELFARE: "Xây nhà Đại đoàn kết cho hộ nghèo",
}
PLAN_ITEMS = [
    "Rà soát hộ nghèo, cận nghèo và đề xuất giải pháp",
    "Hỗ trợ xây dựng mô hình sản xuất chè an toàn",
    "Vận động nhân dân hiến đất làm đường trục thôn",
    "Hướng dẫn xây dựng hương ước, quy ước thôn",
    "Kiểm tra tiến độ chỉnh trang nhà ở dân cư",
    "Tập huấn kỹ năng cho cán bộ xã về chuyển đổi số",
    "Phối hợp tổ chức khám bệnh, cấp thuốc miễn phí",
    "Hỗ trợ thu gom, xử lý rác thải tại thôn",
]


@dataclass
class CommunePlan:
    """One commune's generated history: criteria met per year, in the order it meets them."""

    unit: AdministrativeUnit
    rng: random.Random
    order: list[int]
    met_count: dict[int, int] = field(default_factory=dict)
    recognised_year: int | None = None
    diligent_helpers: bool = False
    approved_2025: datetime.date | None = None  # the day the province approved the 2025 round

    def met(self, year: int) -> list[int]:
        return self.order[: self.met_count[year]]


@dataclass
class DemoResult:
    communes_total: int
    communes_built: int
    rounds: int = 0
    criterion_results: int = 0
    recognitions: int = 0
    secondments: int = 0
    assignments: int = 0
    field_visits: int = 0
    contributions: int = 0
    communes_after_merger: int = 0  # the demo's communes in force on 1 July 2025
    communes_after_merger_built: int = 0
    reassessments: int = 0
    rerecognitions: int = 0
    recognitions_2026: int = 0
    rounds_2026: Counter = field(default_factory=Counter)
    users: list[tuple[str, str, str]] = field(default_factory=list)

    def lines(self) -> list[str]:
        statuses = ", ".join(f"{RoundStatus(s).label} {n}" for s, n in sorted(self.rounds_2026.items()))
        return [
            f"Xã trong tỉnh demo: {self.communes_total} (tạo dữ liệu mới cho {self.communes_built})",
            f"Từ 01/07/2025: {self.communes_after_merger} xã (tạo dữ liệu mới cho {self.communes_after_merger_built}); "
            f"đánh giá lại sau sắp xếp: {self.reassessments}; thừa nhận đạt chuẩn: {self.rerecognitions}",
            f"Kỳ đánh giá 2026 (bộ 2026–2030): {statuses or 0}; công nhận năm 2026: {self.recognitions_2026}",
            f"Kỳ đánh giá: {self.rounds}; kết quả tiêu chí: {self.criterion_results}; công nhận: {self.recognitions}",
            f"Biệt phái/luân chuyển: {self.secondments}; phân công giúp đỡ: {self.assignments}; "
            f"chuyến công tác: {self.field_visits}; khoản hỗ trợ: {self.contributions}",
        ]


def set_for_year(year: int) -> str:
    return next(code for last, code in SET_BY_YEAR if year <= last)


def round_as_of(year: int) -> datetime.date:
    """A round's as-of date: the year's end, but the old communes' 2025 round closes with them on 30 June."""
    return OLD_LAST_DAY if year == 2025 else datetime.date(year, 12, 31)


def build_demo(*, communes: int, seed: int = 2026) -> DemoResult:
    """Build (or extend) the demo province to `communes` rural communes (of the old structure); idempotent."""
    with transaction.atomic():
        province = _import_units(communes)
        units = list(
            AdministrativeUnit.objects.communes()
            .in_force_on(OLD_LAST_DAY)
            .filter(province=province)
            .select_related("district")
            .order_by("code")
        )
        fresh = [u for u in units if not u.assessment_rounds.exists()] if units else []
        result = DemoResult(communes_total=len(units), communes_built=len(fresh))
        sets = {s.code: s for s in CriteriaSet.objects.filter(code__in=[c for _, c in SET_BY_YEAR])}
        missing = {c for _, c in SET_BY_YEAR} - set(sets)
        if missing:
            raise RuntimeError(f"Chưa nạp bộ tiêu chí {', '.join(sorted(missing))}: chạy `manage.py load_criteria`.")
        criteria = {code: _criteria_with_indicators(s) for code, s in sets.items()}
        plans = [_plan_commune(unit, seed) for unit in fresh]
        _force_seed_cases(plans)
        first_build = not SecondmentBatch.objects.filter(province=province).exists()
        planned_secondments = _plan_secondments(plans, seed) if first_build else []
        _set_commune_attributes(plans)
        _write_assessments(plans, sets, criteria, result)
        ledger.refresh_communes([plan.unit.pk for plan in plans])  # bulk writes: the ledger follows here
        agencies = _ensure_agencies(province)
        if first_build:
            _write_secondments(province, planned_secondments, agencies, result)
        _write_assignments(plans, agencies, criteria, result)
        result.users = _ensure_users(province, agencies)

        # The reform of 1 July 2025: from here on everything works on the communes in force on that day.
        successors = _merge(province, [u.pk for u in units])
        _fill_coordinates(province)
        after = _present.build(
            province=province,
            old_ids=[u.pk for u in units],
            successors=successors,
            sets=sets,
            criteria=criteria,
            agencies=agencies,
            seed=seed,
            result=result,
        )
        _write_targets(province, after)
        # The coordinator and commune official move to today's units; the logins created above keep their password line.
        created = {username for username, password, _role in result.users if password == DEMO_PASSWORD}
        result.users = _ensure_users(province, agencies, created_before=created)
    if connection.vendor == "postgresql" and result.communes_built:
        # Fresh statistics after a bulk load: without them the planner scans 186k results per query (DHIS2's notes
        # report the same for its analytics tables).
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return result


def _merge(province: AdministrativeUnit, old_ids: list[int]) -> dict[int, int]:
    """Apply the official 2025 conversion to the demo's communes (communes.services.merger_2025_import, idempotent):
    the old communes close on 30 June 2025 and the new ones they became start on 1 July. The default successor of
    each old commune, by pk.

    Larger demos borrow other provinces' districts, filed under Thái Nguyên: the official conversion does not place
    them in Thái Nguyên, so they are not merged; they end with the old structure, and so do the secondments and
    assignments running there."""
    merged = merger_2025_import(province_codes=[province.code], only_present=True)
    old = AdministrativeUnit.objects.filter(province=province, valid_from__isnull=True, valid_to__isnull=True)
    borrowed = list(old.filter(level=UnitLevel.COMMUNE).values_list("pk", flat=True))
    old.exclude(level=UnitLevel.PROVINCE).update(valid_to=OLD_LAST_DAY)
    Secondment.objects.in_force_on(MERGER_DAY).filter(commune_id__in=borrowed).update(actual_end_date=OLD_LAST_DAY)
    SponsorAssignment.objects.in_force_on(MERGER_DAY).filter(commune_id__in=borrowed).update(end_date=OLD_LAST_DAY)
    return {old: parts[0][0] for old, parts in merged.successors.items() if old in set(old_ids) and parts}


def _fill_coordinates(province: AdministrativeUnit) -> None:
    """Real coordinates for the demo's communes the 2025 conversion left without (the districts borrowed from
    neighbouring provinces, which it does not merge): each old commune's, from the same official data
    (vietnamadminunits), by code. The dashboard's map draws every commune where it is; one the data lacks keeps none
    and is listed under the map, never drawn at 0,0. (vietnam-provinces has no coordinates.)"""
    missing = list(AdministrativeUnit.objects.communes().filter(province=province, latitude__isnull=True))
    if not missing:
        return
    coordinates = old_commune_coordinates()
    found = []
    for unit in missing:
        if unit.code in coordinates:
            unit.latitude, unit.longitude = coordinates[unit.code]
            found.append(unit)
    AdministrativeUnit.objects.bulk_update(found, ["latitude", "longitude"], batch_size=500)


def province_on(day: datetime.date, code: str) -> AdministrativeUnit:
    """The province unit with `code` in force on `day`: the old Thái Nguyên before the reform, the new one after it
    (the same unit where the reform kept it)."""
    return (
        AdministrativeUnit.objects.provinces()
        .in_force_on(day)
        .filter(code=code)
        .order_by(F("valid_from").desc(nulls_last=True))
        .first()
    )


def _import_units(size: int) -> AdministrativeUnit:
    """Import Thái Nguyên's districts (rural communes only: the programme is for xã), then borrowed ones."""
    provinces = json.loads(DIVISIONS_FILE.read_text(encoding="utf-8"))
    home = next(p for p in provinces if p["name"] == PROVINCE_NAME)
    districts = sorted(home["districts"], key=lambda d: d["name"] != SEED_DISTRICT)  # Định Hóa first
    districts += [d for p in provinces if p is not home for d in p["districts"]]
    chosen, remaining = [], size
    for district in districts:
        rural = [w for w in district["wards"] if w["name"].startswith("Xã ")]
        if not rural or remaining <= 0:
            continue
        chosen.append({**district, "wards": rural[:remaining]})
        remaining -= len(chosen[-1]["wards"])
    units_import(data=[{**home, "districts": chosen}])
    return AdministrativeUnit.objects.get(level=UnitLevel.PROVINCE, code=f"{home['code']:02d}", valid_from=None)


def _plan_commune(unit: AdministrativeUnit, seed: int) -> CommunePlan:
    rng = random.Random(f"{seed}-{unit.code}")
    order = sorted(range(1, 20), key=lambda n: DIFFICULTY.index(n) + rng.gauss(0, 2.5))
    plan = CommunePlan(unit=unit, rng=rng, order=order, diligent_helpers=rng.random() < 0.6)
    plan.approved_2025 = datetime.date(2025, 6, 1) + datetime.timedelta(days=rng.randint(0, 19))
    slow = unit.district and unit.district.name == SEED_DISTRICT
    level = rng.uniform(1, 4) if slow else rng.uniform(2, 6)
    pace = rng.uniform(1.1, 2.2) if slow else rng.uniform(1.2, 2.8)
    count = 0
    for year in range(FIRST_YEAR, LAST_YEAR + 1):
        if plan.recognised_year is None:
            if year in (2016, 2021):  # a stricter set: some criteria met under the old one are lost
                level -= rng.uniform(0, 2.5)
            level += pace * rng.uniform(0.4, 1.4) if year > FIRST_YEAR else 0
            count = max(count if year not in (2016, 2021) else 0, min(19, round(level)))
            if count == 19:
                plan.recognised_year = year
        plan.met_count[year] = count
    return plan


def _force_seed_cases(plans: list[CommunePlan]) -> None:
    by_name = {p.unit.name: p for p in plans if p.unit.district and p.unit.district.name == SEED_DISTRICT}
    phu_dinh = by_name.get(SEED_COMMUNE)
    if phu_dinh:  # seed 001: 15/19 at the end of 2018, the four hardest criteria unmet; the standard in 2020
        phu_dinh.order = [n for n in phu_dinh.order if n not in PHU_DINH_UNMET_2018] + PHU_DINH_UNMET_2018
        for year in range(FIRST_YEAR, LAST_YEAR + 1):
            target = {2016: 12, 2017: 13, 2018: 15, 2019: 17}.get(year, 19 if year >= 2020 else None)
            if target is not None:
                phu_dinh.met_count[year] = target
            else:
                phu_dinh.met_count[year] = min(phu_dinh.met_count[year], 11)
        phu_dinh.recognised_year = 2020


def _set_commune_attributes(plans: list[CommunePlan]) -> None:
    for plan in plans:
        unit, rng = plan.unit, plan.rng
        mountainous = unit.district is not None and unit.district.name in (SEED_DISTRICT, "Huyện Võ Nhai")
        unit.region = Region.NORTHERN_MIDLANDS_MOUNTAINS
        unit.especially_disadvantaged = unit.name == SEED_COMMUNE or (mountainous and rng.random() < 0.35)
        unit.designated_special = rng.random() < 0.12
        unit.commune_group = (
            CommuneGroup.ETHNIC_MOUNTAIN if mountainous else rng.choice([CommuneGroup.URBANISING, CommuneGroup.GENERAL])
        )
        unit.target_year = plan.recognised_year or 2025 + rng.randint(0, 3)
    AdministrativeUnit.objects.bulk_update(
        [p.unit for p in plans],
        ["region", "especially_disadvantaged", "designated_special", "commune_group", "target_year"],
        batch_size=500,
    )


def _write_assessments(plans, sets, criteria, result: DemoResult) -> None:
    rounds = []
    for plan in plans:
        for year in range(FIRST_YEAR, LAST_YEAR + 1):
            # Every round of the old communes is approved (the workflow's every step is in the 2026 rounds); the
            # 2025 one in June, before the reform closed them: it counts from its approval.
            approved_on = plan.approved_2025 if year == 2025 else None
            rounds.append(
                AssessmentRound(
                    commune=plan.unit,
                    criteria_set=sets[set_for_year(year)],
                    year=year,
                    as_of=round_as_of(year),
                    status=RoundStatus.APPROVED,
                    approved_on=approved_on,
                )
            )
    AssessmentRound.objects.bulk_create(rounds, batch_size=1000)
    result.rounds = len(rounds)

    round_by_key = {(r.commune_id, r.year): r for r in rounds}
    results, values = [], []
    for plan in plans:
        for year in range(FIRST_YEAR, LAST_YEAR + 1):
            assessment_round = round_by_key[(plan.unit.pk, year)]
            met = set(plan.met(year))
            for number, criterion in criteria[set_for_year(year)].items():
                results.append(
                    CriterionResult(
                        assessment_round=assessment_round,
                        criterion=criterion,
                        met=number in met,
                        assessed_as_whole=not criterion.demo_indicators,
                        review_state=ReviewState.VERIFIED,
                    )
                )
                values.extend(_indicator_values(plan, assessment_round, criterion, number in met))
    CriterionResult.objects.bulk_create(results, batch_size=5000)
    IndicatorValue.objects.bulk_create(values, batch_size=5000)
    result.criterion_results = len(results)

    recognitions = []
    for plan in plans:
        if plan.recognised_year is None:
            continue
        year = plan.recognised_year
        # Seed 000: a commune meeting the standard in 2016 was handed its decision in March 2017. One reaching it in
        # the 2025 round is recognised before the reform closes it, days after the round's approval.
        day = datetime.date(year, 12, 15) + datetime.timedelta(days=plan.rng.randint(0, 100))
        if year == 2025:
            day = plan.approved_2025 + datetime.timedelta(days=plan.rng.randint(1, 9))
        recognitions.append(_recognition(plan, NtmLevel.STANDARD, year, day, sets[set_for_year(year)]))
        if year <= 2019 and plan.rng.random() < 0.45:
            advanced = plan.rng.randint(2021, 2024)
            day = datetime.date(advanced, 11, 20) + datetime.timedelta(days=plan.rng.randint(0, 60))
            recognitions.append(_recognition(plan, NtmLevel.ADVANCED, advanced, day, None))
    Recognition.objects.bulk_create(recognitions, batch_size=1000)
    result.recognitions = len(recognitions)
    latest = {}
    for recognition in recognitions:
        latest[recognition.commune_id] = recognition  # advanced comes after standard in the list
    for plan in plans:
        recognition = latest.get(plan.unit.pk)
        plan.unit.recognition = recognition
        plan.unit.ntm_level = recognition.level if recognition else NtmLevel.NOT_YET
    AdministrativeUnit.objects.bulk_update([p.unit for p in plans], ["recognition", "ntm_level"], batch_size=500)


def write_visits(visits: list[FieldVisit], visit_criteria: list[list]) -> None:
    """The visits and, for each, the criteria it addressed (`visit_criteria`, in the same order)."""
    FieldVisit.objects.bulk_create(visits, batch_size=2000)
    through = FieldVisit.criteria_addressed.through
    through.objects.bulk_create(
        [
            through(fieldvisit_id=v.pk, criterion_id=c.pk)
            for v, cs in zip(visits, visit_criteria, strict=True)
            for c in cs
        ],
        batch_size=5000,
    )


def _recognition(plan, level, year, day, criteria_set) -> Recognition:
    return Recognition(
        commune=plan.unit,
        level=level,
        year=year,
        decision_number=f"{plan.rng.randint(100, 4999)}/QĐ-UBND",
        decision_date=day,
        signer="Chủ tịch UBND tỉnh",
        criteria_set=criteria_set,
    )


def _criteria_with_indicators(criteria_set: CriteriaSet) -> dict[int, Criterion]:
    """The set's criteria by number, each with `demo_indicators`: (indicator, general threshold or None)."""
    criteria = Criterion.objects.filter(criteria_set=criteria_set).prefetch_related("indicators__targets")
    for criterion in criteria:
        criterion.demo_indicators = [
            (
                indicator,
                next((t.threshold for t in indicator.targets.all() if not t.region and not t.commune_group), None),
            )
            for indicator in criterion.indicators.all()
        ]
    return {criterion.number: criterion for criterion in criteria}


def _indicator_values(plan, assessment_round, criterion, met: bool) -> list[IndicatorValue]:
    """Values for the few indicators whose targets are confirmed, consistent with the criterion's result."""
    values = []
    for indicator, target in criterion.demo_indicators:
        if indicator.comparison == Comparison.YES_NO:
            values.append(
                IndicatorValue(assessment_round=assessment_round, indicator=indicator, value_bool=met, met=met)
            )
        elif target is not None:
            factor = Decimal(str(round(plan.rng.uniform(1.0, 1.25) if met else plan.rng.uniform(0.6, 0.97), 2)))
            value = min(target * factor, Decimal(100)) if "percent" in indicator.comparison else target * factor
            values.append(
                IndicatorValue(assessment_round=assessment_round, indicator=indicator, value_number=value, met=met)
            )
    return values


def _ensure_agencies(province: AdministrativeUnit) -> dict[str, list[Agency]]:
    departments = []
    for name, short_name, kind in PROVINCIAL_AGENCIES:
        agency, _ = Agency.objects.get_or_create(
            unit=province, name=name, defaults={"short_name": short_name, "kind": kind, "level": AgencyLevel.PROVINCE}
        )
        departments.append(agency)
    enterprises = [
        Agency.objects.get_or_create(
            unit=province, name=name, defaults={"kind": AgencyKind.ENTERPRISE, "level": AgencyLevel.PROVINCE}
        )[0]
        for name in ENTERPRISES
    ]
    district_bodies = [
        Agency.objects.get_or_create(
            unit=district,
            name=f"Huyện ủy {district.name.removeprefix('Huyện ').removeprefix('Thành phố ')}",
            defaults={"kind": AgencyKind.DISTRICT_BODY, "level": AgencyLevel.DISTRICT},
        )[0]
        for district in AdministrativeUnit.objects.districts().filter(province=province).order_by("code")
    ]
    return {"departments": departments, "enterprises": enterprises, "district_bodies": district_bodies}


def _person(rng: random.Random) -> tuple[str, str]:
    gender = rng.choice([Gender.MALE, Gender.MALE, Gender.FEMALE])
    name = f"{rng.choice(FAMILY_NAMES)} {rng.choice(MIDDLE_NAMES[gender])} {rng.choice(GIVEN_NAMES[gender])}"
    return name, gender


@dataclass
class PlannedSecondment:
    plan: CommunePlan
    batch_number: int | None  # None: seed 002's rotation, decided by the district, or a 2024 reinforcement
    year: int
    kind: str = SecondmentKind.SECONDED


def _plan_secondments(plans: list[CommunePlan], seed: int) -> list[PlannedSecondment]:
    """Seed 000's three batches (7, 6, 7 cadres), 13 of whose 20 communes reach the standard while the cadre is
    there or the year after; and seed 002's rotated chairman. Trajectories are bent here, before anything is
    written, so that the assessments, recognitions and secondment snapshots agree."""
    rng = random.Random(f"secondments-{seed}")
    used: set[int] = set()
    planned = []
    for number, ((year, size), reaching) in enumerate(zip(BATCHES, REACHING_PER_BATCH, strict=True), start=1):
        candidates = [
            p
            for p in plans
            if p.unit.pk not in used
            and p.unit.name != SEED_COMMUNE  # its history is seed 001's
            and (p.recognised_year or 9999) > year
            and 6 <= p.met_count[year - 1] <= 16
        ]
        chosen = rng.sample(candidates, min(size, len(candidates)))
        for index, plan in enumerate(chosen):
            used.add(plan.unit.pk)
            if index < reaching:
                _bend_to_standard(plan, year + rng.randint(0, 1))
            elif plan.recognised_year and plan.recognised_year <= year + 2:
                _delay_standard(plan, year + 3)  # past the cadre's stay and the year after it
            planned.append(PlannedSecondment(plan, number, year))
    rotated = next((p for p in plans if p.unit.pk not in used and p.unit.name != SEED_COMMUNE), None)
    if rotated:  # seed 002: 9 criteria on arrival in March 2016, all 19 met seven months later
        for year in range(FIRST_YEAR, 2016):
            rotated.met_count[year] = min(rotated.met_count[year], 9)
        rotated.met_count[2015] = 9
        _bend_to_standard(rotated, 2016)
        planned.append(PlannedSecondment(rotated, None, 2016, SecondmentKind.ROTATED))
        used.add(rotated.unit.pk)
    # Cadres sent in 2024 to help communes finish before the 2021–2025 programme ends, still there on 1 July 2025:
    # their postings continue across the reform (demo.present).
    candidates = [
        p
        for p in plans
        if p.unit.pk not in used
        and p.unit.name != SEED_COMMUNE
        and p.recognised_year is None
        and 8 <= p.met_count[2023] <= 17
    ]
    for plan in rng.sample(candidates, min(max(2, len(plans) // 30), 6, len(candidates))):
        planned.append(PlannedSecondment(plan, None, 2024, SecondmentKind.REINFORCEMENT))
    return planned


def _bend_to_standard(plan: CommunePlan, year: int) -> None:
    plan.recognised_year = year
    for later in range(year, LAST_YEAR + 1):
        plan.met_count[later] = 19


def _delay_standard(plan: CommunePlan, year: int) -> None:
    """Hold a commune at most at 18 criteria until `year`, when it reaches the standard."""
    for earlier in range(FIRST_YEAR, year):
        plan.met_count[earlier] = min(plan.met_count[earlier], 18)
    _bend_to_standard(plan, year)


def _write_secondments(province, planned: list[PlannedSecondment], agencies, result: DemoResult) -> None:
    rng = random.Random(f"cadres-{province.code}")
    batches = {
        number: SecondmentBatch.objects.create(
            province=province,
            name=f"Đợt {number} năm {year}",
            year=year,
            decided_by="Thường trực Tỉnh ủy",
            decision_number=f"{rng.randint(100, 999)}-TB/TU",
            decision_date=datetime.date(year, 2, 20),
        )
        for number, (year, _size) in enumerate(BATCHES, start=1)
    }
    secondments = []
    for item in planned:
        plan, year = item.plan, item.year
        name, gender = _person(rng)
        if item.kind == SecondmentKind.REINFORCEMENT:
            cadre = Cadre.objects.create(
                full_name=name,
                gender=gender,
                birth_year=rng.randint(1975, 1992),
                title=rng.choice(TITLES),
                home_agency=rng.choice(agencies["departments"]),
            )
            secondments.append(
                Secondment(
                    cadre=cadre,
                    commune=plan.unit,
                    kind=SecondmentKind.REINFORCEMENT,
                    role_at_commune="Cán bộ tăng cường giúp xã về đích NTM",
                    decided_by="UBND tỉnh",
                    decision_number=f"{rng.randint(100, 999)}/QĐ-UBND",
                    decision_date=datetime.date(2024, 2, 20),
                    start_date=datetime.date(2024, 3, 1),
                    planned_end_date=datetime.date(2026, 12, 31),
                    criteria_met_at_start=plan.met_count[2023],
                )
            )
            continue
        if item.batch_number is None:
            home = next(a for a in agencies["district_bodies"] if a.unit_id == plan.unit.district_id)
            cadre = Cadre.objects.create(
                full_name=name,
                gender=gender,
                birth_year=1975,
                title="Chủ tịch Liên đoàn Lao động huyện",
                home_agency=home,
            )
            secondments.append(
                Secondment(
                    cadre=cadre,
                    commune=plan.unit,
                    kind=SecondmentKind.ROTATED,
                    role_at_commune="Phó Bí thư Đảng ủy, Chủ tịch UBND xã",
                    decided_by="Ban Thường vụ Huyện ủy",
                    decision_number=f"{rng.randint(100, 999)}-QĐ/HU",
                    decision_date=datetime.date(2016, 3, 1),
                    start_date=datetime.date(2016, 3, 15),
                    planned_end_date=datetime.date(2020, 12, 31),
                    actual_end_date=datetime.date(2016, 10, 15),
                    criteria_met_at_start=9,
                    criteria_met_at_end=19,
                )
            )
            continue
        batch = batches[item.batch_number]
        cadre = Cadre.objects.create(
            full_name=name,
            gender=gender,
            birth_year=rng.randint(1968, 1988),
            title=rng.choice(TITLES),
            home_agency=rng.choice(agencies["departments"]),
        )
        planned_end = datetime.date(year + 1, 12, 31)
        reached = plan.recognised_year
        end = datetime.date(reached, 12, 31) if reached and reached <= year + 1 else planned_end
        secondments.append(
            Secondment(
                cadre=cadre,
                commune=plan.unit,
                batch=batch,
                kind=SecondmentKind.SECONDED,
                role_at_commune="Cán bộ biệt phái giúp xã xây dựng NTM",
                decided_by=batch.decided_by,
                decision_number=batch.decision_number,
                decision_date=batch.decision_date,
                start_date=datetime.date(year, 3, 1),
                planned_end_date=planned_end,
                actual_end_date=end,
                criteria_met_at_start=plan.met_count[year - 1],
                criteria_met_at_end=plan.met_count[end.year],
            )
        )
    Secondment.objects.bulk_create(secondments)
    result.secondments = len(secondments)


def _write_assignments(plans, agencies, criteria, result: DemoResult) -> None:
    """QĐ 708/QĐ-UBND (seed 003) for especially disadvantaged communes; QĐ 140-QĐ/TU (seed 004) with twinned
    enterprises for designated ones; and the persona liaison's agency for Phú Đình."""
    departments, enterprises = agencies["departments"], agencies["enterprises"]
    assignments = []
    for plan in plans:
        unit, rng = plan.unit, plan.rng
        if unit.especially_disadvantaged:
            agency = departments[0] if unit.name == SEED_COMMUNE else rng.choice(departments)
            assignments.append(
                (
                    plan,
                    SponsorAssignment(
                        agency=agency,
                        commune=unit,
                        role=SponsorRole.RESPONSIBLE,
                        decided_by="UBND tỉnh",
                        decision_number="708/QĐ-UBND",
                        decision_date=datetime.date(2017, 8, 17),
                        start_date=datetime.date(2017, 8, 17),
                        end_date=datetime.date(2020, 12, 31),
                    ),
                )
            )
        if unit.designated_special:
            for agency, role in (
                (rng.choice(departments), SponsorRole.RESPONSIBLE),
                (rng.choice(enterprises), SponsorRole.TWINNED),
            ):
                assignments.append(
                    (
                        plan,
                        SponsorAssignment(
                            agency=agency,
                            commune=unit,
                            role=role,
                            decided_by="Ban Thường vụ Tỉnh ủy",
                            decision_number="140-QĐ/TU",
                            decision_date=datetime.date(2016, 1, 5),
                            start_date=datetime.date(2016, 1, 15),
                        ),
                    )
                )
    SponsorAssignment.objects.bulk_create([a for _, a in assignments], batch_size=1000)
    result.assignments = len(assignments)

    visits, visit_criteria, contributions, first_year_twinned = [], [], [], []
    plans_and_items = []
    for plan, assignment in assignments:
        rng = plan.rng
        diligent = plan.diligent_helpers and assignment.agency.kind != AgencyKind.ENTERPRISE
        last = min(assignment.end_date.year if assignment.end_date else LAST_YEAR, LAST_YEAR)
        for year in range(assignment.start_date.year, last + 1):
            # Seed 003: the careless ones come "a few times a year, a few hours each".
            last_month = OLD_LAST_DAY.month if year == OLD_LAST_DAY.year else 12  # the old commune's last half-year
            for _ in range(rng.randint(6, 12) if diligent else rng.randint(1, 3)):
                day = datetime.date(year, rng.randint(1, last_month), rng.randint(1, 28))
                days = Decimal(rng.choice([1, 1, 2, 3])) if diligent else Decimal("0.5")
                visit = FieldVisit(
                    agency=assignment.agency,
                    commune=plan.unit,
                    visit_date=day,
                    days_on_site=days,
                    hours_on_site=days * 8 if diligent else Decimal(rng.choice([2, 3, 4])),
                    participants=f"Đoàn công tác {assignment.agency}",
                    activities=rng.choice(VISIT_ACTIVITIES),
                    party_cell_meetings=rng.randint(0, 2) if diligent else 0,
                )
                unmet = [n for n in plan.order if n not in plan.met(year)]
                visits.append(visit)
                visit_criteria.append([criteria[set_for_year(year)][n] for n in unmet[:2]])
            for _ in range(rng.randint(1, 3)):
                kind = rng.choice(list(SupportKind))
                day = datetime.date(year, rng.randint(1, last_month), 10)
                contribution = SupportContribution(
                    giver=assignment.agency,
                    commune=plan.unit,
                    date=day,
                    kind=kind,
                    value_vnd=rng.randint(20, 900) * 1_000_000,
                    description=SUPPORT_DESCRIPTIONS[kind],
                    criterion=criteria[set_for_year(year)][rng.choice(plan.order[-6:])],
                )
                contributions.append(contribution)
                if assignment.decision_number == "140-QĐ/TU" and year == 2016:
                    first_year_twinned.append(contribution)
        plans_and_items.append((plan, assignment, diligent))
    _scale_to_total(first_year_twinned, 22_500_000_000)
    write_visits(visits, visit_criteria)
    SupportContribution.objects.bulk_create(contributions, batch_size=2000)
    result.field_visits, result.contributions = len(visits), len(contributions)
    _write_work_plans(plans_and_items, criteria)


def _scale_to_total(contributions: list[SupportContribution], total: int) -> None:
    """Seed 004: agencies and twinned enterprises gave over 22.5 billion VND in the first year."""
    if not contributions:
        return
    current = sum(c.value_vnd for c in contributions)
    for contribution in contributions:
        contribution.value_vnd = contribution.value_vnd * total // current
    contributions[-1].value_vnd += total - sum(c.value_vnd for c in contributions)


def _write_work_plans(plans_and_items, criteria) -> None:
    items = []
    for plan, assignment, diligent in plans_and_items:
        if assignment.end_date and assignment.end_date.year < LAST_FULL_YEAR - 1:
            continue
        for year in (LAST_FULL_YEAR - 1, LAST_FULL_YEAR):
            work_plan = WorkPlan.objects.create(
                assignment=assignment, year=year, title=f"Kế hoạch giúp đỡ {plan.unit.name} năm {year}"
            )
            for quarter in range(1, 5):
                due = datetime.date(year, quarter * 3, 28)
                done = plan.rng.random() < (0.8 if diligent else 0.35)
                items.append(
                    WorkPlanItem(
                        work_plan=work_plan,
                        period=PlanPeriod.QUARTER,
                        period_number=quarter,
                        title=plan.rng.choice(PLAN_ITEMS),
                        due_date=due,
                        criterion=criteria[set_for_year(year)][plan.rng.choice(plan.order[-8:])],
                        status=PlanItemStatus.DONE if done else PlanItemStatus.OPEN,
                        done_on=due - datetime.timedelta(days=plan.rng.randint(0, 20)) if done else None,
                    )
                )
    WorkPlanItem.objects.bulk_create(items, batch_size=2000)


def _write_targets(province: AdministrativeUnit, after: list[AdministrativeUnit]) -> None:
    """National programme targets (1600/QĐ-TTg: half the communes and 15 criteria on average by 2020, none under 5;
    NQ 25/2021/QH15: 80% by 2025, none under 15), and Định Hóa's own 10 communes by 2020 (seed 001), on the communes
    of the time; and, for today's province, NQ 257/2025/QH15's "about 65% of communes" by 2030 with the province's
    own step for 2026 (a demo figure: a third of its communes)."""
    units = [province, *AdministrativeUnit.objects.districts().filter(province=province)]
    for unit in units:
        targets = {
            2020: {
                "min_communes_meeting_standard": 0.5,
                "min_average_criteria": Decimal(15),
                "min_criteria_per_commune": 5,
                "decision": "QĐ 1600/QĐ-TTg",
            },
            2025: {"min_communes_meeting_standard": 0.8, "min_criteria_per_commune": 15, "decision": "NQ 25/2021/QH15"},
        }
        for year, values in targets.items():
            total = AdministrativeUnit.objects.communes().in_force_on(min(round_as_of(year), OLD_LAST_DAY))
            values["min_communes_meeting_standard"] = math.ceil(
                total.within(unit).count() * values.pop("min_communes_meeting_standard")
            )
        if unit.name == SEED_DISTRICT:
            targets[2020].update(min_communes_meeting_standard=10, decision="NQ 07-NQ/HU ngày 25/3/2018")
        for year, values in targets.items():
            UnitTarget.objects.update_or_create(unit=unit, year=year, defaults=values)
    today = province_on(DEMO_TODAY, province.code)
    total = sum(1 for unit in after if unit.province_id == today.pk)
    for year, share, decision in (
        (2026, Decimal("0.33"), "Kế hoạch thực hiện Chương trình MTQG năm 2026 của UBND tỉnh"),
        (2030, Decimal("0.65"), "NQ 257/2025/QH15 (khoảng 65% số xã đạt chuẩn NTM)"),
    ):
        UnitTarget.objects.update_or_create(
            unit=today,
            year=year,
            defaults={"min_communes_meeting_standard": math.ceil(total * share), "decision": decision},
        )


def _ensure_users(province, agencies, created_before: set[str] = frozenset()) -> list[tuple[str, str, str]]:
    """One login per role. The coordinator works for today's province and Phú Đình's official for today's Phú Đình
    (Điềm Mặc and Phú Đình since 1 July 2025); the district officer keeps Định Hóa, whose history it verified."""
    district = AdministrativeUnit.objects.districts().get(province=province, name=SEED_DISTRICT)
    today = province_on(DEMO_TODAY, province.code)
    commune = (
        AdministrativeUnit.objects.communes().in_force_on(DEMO_TODAY).filter(province=today, name=SEED_COMMUNE).first()
        or AdministrativeUnit.objects.communes().filter(district=district, name=SEED_COMMUNE).first()
        or AdministrativeUnit.objects.communes().filter(district=district).order_by("code").first()
    )
    personas = [
        ("vpdp_tinh", "Văn phòng Điều phối NTM", Role.PROVINCE_COORDINATOR, {"unit": today}),
        ("huyen_dinhhoa", "Phòng NN huyện Định Hóa", Role.DISTRICT_OFFICER, {"unit": district}),
        ("xa_phudinh", f"UBND {commune.name}", Role.COMMUNE_OFFICIAL, {"unit": commune}),
        ("coquan_snn", "Sở NN&PTNT", Role.AGENCY_LIAISON, {"agency": agencies["departments"][0]}),
        ("xem", "Người xem", Role.VIEWER, {"unit": today}),
    ]
    logins = []
    for username, full_name, role, scope in personas:
        # The scope follows the demo (the second call moves two logins to today's units); the password is set only on
        # an account this call creates: one its owner changed stays changed (issue 17).
        user, created = User.objects.update_or_create(
            username=username,
            defaults={"first_name": full_name, "role": role, "unit": None, "agency": None, **scope},
        )
        described = str(role.label)
        unit = scope.get("unit")
        if unit is not None and unit.valid_to and unit.valid_to < DEMO_TODAY:
            # A district ended on 30/06/2025: its officer finds its history there, no commune of today.
            described += f" – {unit.name}, đến {unit.valid_to:%d/%m/%Y}: xem số liệu lịch sử"
        logins.append((username, _password_line(user, created, created_before), described))
    admin, created = User.objects.get_or_create(username="admin", defaults={"is_staff": True, "is_superuser": True})
    logins.append(("admin", _password_line(admin, created, created_before), "Quản trị dữ liệu (Django admin)"))
    return logins


def _password_line(user: User, created: bool, created_before: set[str]) -> str:
    """The demo password on an account just created (set here), else a note that its password was left alone."""
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    return DEMO_PASSWORD if created or user.username in created_before else UNCHANGED_PASSWORD


def demo_refusal() -> str | None:
    """Why load_demo must not run here without --force, or None: under the production settings, or on a database
    holding users it did not create, or units but none of its logins (loaded by something else)."""
    from .national import NATIONAL_USERNAME  # noqa: PLC0415 - demo.national imports this module

    if settings.SETTINGS_MODULE and settings.SETTINGS_MODULE.endswith(".production"):
        return (
            f"Từ chối: đang chạy với cấu hình production ({settings.SETTINGS_MODULE}); dữ liệu demo và mật khẩu demo "
            "công khai không được nạp vào hệ thống thật. Thêm --force nếu đây đúng là máy demo."
        )
    demo_usernames = [*DEMO_USERNAMES, NATIONAL_USERNAME]
    others = list(
        User.objects.exclude(username__in=demo_usernames).order_by("username").values_list("username", flat=True)[:4]
    )
    if others:
        shown = ", ".join(others[:3]) + (", …" if len(others) > 3 else "")
        return (
            f"Từ chối: cơ sở dữ liệu có tài khoản không phải của bản demo ({shown}): đây không phải cơ sở dữ liệu "
            "demo. Dùng một cơ sở dữ liệu trống, hoặc thêm --force nếu chắc chắn."
        )
    if AdministrativeUnit.objects.exists() and not User.objects.filter(username__in=demo_usernames).exists():
        return (
            "Từ chối: cơ sở dữ liệu đã có đơn vị hành chính nhưng không có tài khoản demo nào: dữ liệu này không do "
            "load_demo tạo. Dùng một cơ sở dữ liệu trống, hoặc thêm --force nếu chắc chắn."
        )
    return None
