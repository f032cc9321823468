"""The old 3-level country at national scale (issue 13): 63 provinces, about 700 districts and 8,000 communes with
fifteen years of programme history (2011–2025), for measuring the portal where the demo province cannot.

Built as the demo builds a province (demo.province), but with bulk inserts only: no per-row save, no workflow
service, one province at a time so that memory stays flat. The fields AdministrativeUnit.save() derives (name_folded
and the province/district ancestor columns) are set here the same way, as communes.services' bulk import does.

Names are made up ("Tỉnh 07", "Huyện 07-03", "Xã 07-03-012"): province, district and commune ordinals. Codes have the
GSO shape (2, 3 and 5 digits) and are the first ones free at their level, so the country can sit next to the demo
province in one database; on an empty database province N gets code N.

Deterministic: each commune draws from its own random stream seeded by (seed, its ordinals), so the same seed builds
the same history whatever codes were free. The history is the national programme's shape: a few criteria per commune
in 2011, most communes at the standard by 2020 and about four in five by 2025; each stricter set (2016, 2021) costs
communes some criteria, recognised ones included, and a few recognitions are revoked and granted again later.
"""

from __future__ import annotations

import datetime
import math
import random
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection, transaction

from communes.choices import CommuneGroup, NtmLevel, Region, UnitKind
from communes.models import AdministrativeUnit, Recognition
from criteria import ledger
from criteria.choices import ReviewState, RoundStatus, SetLevel
from criteria.models import AssessmentRound, CriteriaSet, CriterionResult, UnitTarget
from ntm_portal.choices import UnitLevel
from ntm_portal.models import User
from ntm_portal.text import fold_vietnamese

from .province import DEMO_PASSWORD, DIFFICULTY, UNCHANGED_PASSWORD

FIRST_YEAR, LAST_YEAR = 2011, 2025
PROVINCES, DISTRICTS_PER_PROVINCE, COMMUNES_PER_PROVINCE = 63, 11, 127  # 693 districts, 8,001 communes
NATIONAL_USERNAME = "quantri_quocgia"
PROVINCE_NAME_PREFIX = "Tỉnh "
CODE_WIDTH = {UnitLevel.PROVINCE: 2, UnitLevel.DISTRICT: 3, UnitLevel.COMMUNE: 5}
# Provinces per socio-economic region in the 63-province country (TCTK's grouping), in province order.
REGION_PROVINCES = [
    (Region.NORTHERN_MIDLANDS_MOUNTAINS, 14),
    (Region.RED_RIVER_DELTA, 11),
    (Region.NORTH_CENTRAL, 6),
    (Region.SOUTH_CENTRAL_COAST, 8),
    (Region.CENTRAL_HIGHLANDS, 5),
    (Region.SOUTHEAST, 6),
    (Region.MEKONG_DELTA, 13),
]
# Criteria gained per year: the mountain and highland regions move slowest (and start lowest).
REGION_PACE = {Region.NORTHERN_MIDLANDS_MOUNTAINS: 0.8, Region.CENTRAL_HIGHLANDS: 0.85, Region.NORTH_CENTRAL: 0.95}
# Targets of the national programme: QĐ 800/QĐ-TTg (20% of communes by 2015), QĐ 1600/QĐ-TTg (half the communes and
# 15 criteria on average by 2020, none under 5), NQ 25/2021/QH15 (80% by 2025, none under 15).
TARGETS = [
    (2015, 0.2, None, None, "QĐ 800/QĐ-TTg"),
    (2020, 0.5, Decimal(15), 5, "QĐ 1600/QĐ-TTg"),
    (2025, 0.8, None, 15, "NQ 25/2021/QH15"),
]
INSERT_BATCH = 5000


class NationalDataExists(RuntimeError):
    """The country is built already: a second build would duplicate it."""


@dataclass
class NationalResult:
    provinces: int = 0
    districts: int = 0
    communes: int = 0
    rounds: int = 0
    criterion_results: int = 0
    recognitions: int = 0
    revoked: int = 0
    targets: int = 0
    ledger_rows: int = 0
    users: list[tuple[str, str, str]] = field(default_factory=list)

    def lines(self) -> list[str]:
        return [
            f"Cả nước: {self.provinces} tỉnh, {self.districts} huyện, {self.communes} xã",
            f"Kỳ đánh giá: {self.rounds}; kết quả tiêu chí: {self.criterion_results}; "
            f"công nhận: {self.recognitions} (thu hồi {self.revoked}); chỉ tiêu phấn đấu: {self.targets}",
            f"Sổ tiến độ (ledger): {self.ledger_rows} dòng",
        ]


def national_provinces():
    """The provinces a national build made, told by their generated names ("Tỉnh 07")."""
    return AdministrativeUnit.objects.provinces().filter(name__regex=rf"^{PROVINCE_NAME_PREFIX}[0-9]+$")


@dataclass
class _Commune:
    """One commune's generated history: criteria met per year (in the order it meets them), its recognitions."""

    unit: AdministrativeUnit
    rng: random.Random
    met_count: dict[int, int] = field(default_factory=dict)
    order: dict[str, list[int]] = field(default_factory=dict)  # set code -> criterion numbers, easiest first
    # (level, year recognised, decision date, revoked on); the year's round met every criterion of its set.
    recognitions: list[tuple[str, int, datetime.date, datetime.date | None]] = field(default_factory=list)


def build_national(
    *,
    provinces: int = PROVINCES,
    districts_per_province: int = DISTRICTS_PER_PROVINCE,
    communes_per_province: int = COMMUNES_PER_PROVINCE,
    seed: int = 2026,
) -> NationalResult:
    """Build the country once; raise NationalDataExists when a national build is already in the database.

    Needs the national criteria sets (`manage.py load_criteria`): each year gets rounds of the national basic set
    in force that year, and no round where no set is loaded. Ends with the progress ledger rebuilt from the rows
    written (criteria.ledger.rebuild).
    """
    if communes_per_province < districts_per_province or min(provinces, districts_per_province) < 1:
        raise ValueError("Mỗi tỉnh cần ít nhất một huyện, và mỗi huyện ít nhất một xã.")
    with transaction.atomic():
        if national_provinces().exists():
            raise NationalDataExists(
                f"Đã có dữ liệu cả nước ({national_provinces().count()} tỉnh tên “Tỉnh NN”): không tạo lại. "
                "Dùng một cơ sở dữ liệu trống (hoặc xóa dữ liệu cũ) rồi chạy lại."
            )
        sets_by_year = _sets_by_year()
        if not sets_by_year:
            raise RuntimeError("Chưa nạp bộ tiêu chí quốc gia: chạy `manage.py load_criteria`.")
        criteria = {
            s.code: dict(s.criteria.order_by("number").values_list("number", "pk")) for s in set(sets_by_year.values())
        }
        result = NationalResult()
        codes = _free_codes(provinces, provinces * districts_per_province, provinces * communes_per_province)
        province_units = _write_provinces(provinces, codes[UnitLevel.PROVINCE])
        result.provinces = len(province_units)
        for p_index, province in enumerate(province_units, start=1):
            communes = _write_province_units(
                province, p_index, districts_per_province, communes_per_province, codes, seed, result
            )
            _write_history(communes, sets_by_year, criteria, result)
        result.targets = _write_targets(province_units)
        result.users = _ensure_national_user()
        # The ledger is derived from the rows above; rebuilt in the same transaction, so a failed rebuild leaves no
        # country without its ledger.
        result.ledger_rows = ledger.rebuild()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # fresh statistics after a bulk load, as build_demo does
    return result


def _sets_by_year() -> dict[int, CriteriaSet]:
    """The national basic set in force each year (the newest whose period contains it, as default_criteria_set)."""
    sets = list(
        CriteriaSet.objects.filter(province__isnull=True, level=SetLevel.BASIC).order_by(
            "-period_start", "-issued_on", "-pk"
        )
    )
    by_year = {}
    for year in range(FIRST_YEAR, LAST_YEAR + 1):
        in_force = next((s for s in sets if s.period_start <= year <= s.period_end), None)
        if in_force is not None:
            by_year[year] = in_force
    return by_year


def _free_codes(provinces: int, districts: int, communes: int) -> dict[str, list[str]]:
    """The first free codes of each level, in order (an undated unit's code is unique per level)."""
    wanted = {UnitLevel.PROVINCE: provinces, UnitLevel.DISTRICT: districts, UnitLevel.COMMUNE: communes}
    codes = {}
    for level, count in wanted.items():
        width = CODE_WIDTH[level]
        undated = AdministrativeUnit.objects.filter(level=level, valid_from__isnull=True)
        taken = set(undated.values_list("code", flat=True))
        free = (code for n in range(1, 10**width) if (code := f"{n:0{width}d}") not in taken)
        codes[level] = [code for _, code in zip(range(count), free, strict=False)]
        if len(codes[level]) < count:
            raise ValueError(f"Không đủ mã {width} chữ số còn trống cho {count} đơn vị cấp {level}.")
    return codes


def _region(p_index: int, provinces: int) -> str:
    """The region of the p-th province: the 63-province shares, scaled to the number of provinces built."""
    position = (p_index - 1) * PROVINCES / provinces
    for region, count in REGION_PROVINCES:
        if position < count:
            return region
        position -= count
    return REGION_PROVINCES[-1][0]


def _unit(level: str, kind: str, code: str, name: str, parent=None, province=None, district=None, **extra):
    """An unsaved unit with the fields AdministrativeUnit.save() derives set as it derives them."""
    return AdministrativeUnit(
        level=level,
        kind=kind,
        code=code,
        name=name,
        name_folded=fold_vietnamese(name),
        parent=parent,
        province=province,
        district=district,
        **extra,
    )


def _write_provinces(count: int, codes: list[str]) -> list[AdministrativeUnit]:
    units = [
        _unit(UnitLevel.PROVINCE, UnitKind.PROVINCE, code, f"{PROVINCE_NAME_PREFIX}{p:02d}")
        for p, code in enumerate(codes[:count], start=1)
    ]
    return AdministrativeUnit.objects.bulk_create(units)


def _write_province_units(province, p_index, districts_per_province, communes_per_province, codes, seed, result):
    """The province's districts and communes; the communes' attributes and plans drawn from their own streams."""
    first_district = (p_index - 1) * districts_per_province
    districts = AdministrativeUnit.objects.bulk_create(
        [
            _unit(
                UnitLevel.DISTRICT,
                UnitKind.RURAL_DISTRICT,
                codes[UnitLevel.DISTRICT][first_district + d - 1],
                f"Huyện {p_index:02d}-{d:02d}",
                parent=province,
                province=province,
            )
            for d in range(1, districts_per_province + 1)
        ]
    )
    region = _region(p_index, result.provinces)
    first_commune = (p_index - 1) * communes_per_province
    communes = []
    for c in range(communes_per_province):
        d_index = c * districts_per_province // communes_per_province  # communes spread evenly over the districts
        district = districts[d_index]
        in_district = c - math.ceil(d_index * communes_per_province / districts_per_province) + 1
        rng = random.Random(f"national-{seed}-{p_index}-{d_index + 1}-{in_district}")
        mountainous = region in (Region.NORTHERN_MIDLANDS_MOUNTAINS, Region.CENTRAL_HIGHLANDS)
        unit = _unit(
            UnitLevel.COMMUNE,
            UnitKind.COMMUNE,
            codes[UnitLevel.COMMUNE][first_commune + c],
            f"Xã {p_index:02d}-{d_index + 1:02d}-{in_district:03d}",
            parent=district,
            province=province,
            district=district,
            region=region,
            especially_disadvantaged=rng.random() < (0.3 if mountainous else 0.08),
            designated_special=rng.random() < 0.05,
            commune_group=CommuneGroup.ETHNIC_MOUNTAIN
            if mountainous
            else rng.choice([CommuneGroup.URBANISING, CommuneGroup.GENERAL, CommuneGroup.GENERAL]),
        )
        communes.append(_Commune(unit=unit, rng=rng))
    AdministrativeUnit.objects.bulk_create([c.unit for c in communes], batch_size=INSERT_BATCH)
    result.districts += len(districts)
    result.communes += len(communes)
    return communes


def _plan(commune: _Commune, sets_by_year: dict[int, CriteriaSet], criteria: dict[str, dict[int, int]]) -> None:
    """Criteria met per year, rising; the standard (all criteria of the year's set) recognised early the next year."""
    rng, unit = commune.rng, commune.unit
    difficulty = {n: i for i, n in enumerate(DIFFICULTY)}
    for code, numbers in criteria.items():
        commune.order[code] = sorted(numbers, key=lambda n: difficulty.get(n, n) + rng.gauss(0, 2.5))
    pace_factor = REGION_PACE.get(unit.region, 1.0)
    level = rng.uniform(1, 8) if pace_factor < 1 else rng.uniform(2, 11)
    pace = rng.uniform(1.5, 4.2) * pace_factor
    count, previous_set = 0, None
    for year in range(FIRST_YEAR, LAST_YEAR + 1):
        criteria_set = sets_by_year.get(year)
        if criteria_set is None:
            continue
        total = len(criteria[criteria_set.code])
        if previous_set is not None and criteria_set.pk != previous_set.pk:
            # A stricter set: some criteria met under the old one are lost, by recognised communes too.
            recognised = any(revoked is None for *_rest, revoked in commune.recognitions)
            lost = rng.choice([0, 0, 0, 1, 2, 3]) if recognised else rng.uniform(0, 2.5)
            level = min(level, total) - lost
            count = min(count, round(level))
        elif year > FIRST_YEAR:
            level += pace * rng.uniform(0.4, 1.4)
        count = max(count, min(total, round(level)))
        commune.met_count[year] = count
        previous_set = criteria_set
        in_force = [r for r in commune.recognitions if r[3] is None]
        if count < total and in_force and rng.random() < 0.15:
            # Below the standard under a stricter set: some provinces revoke the decisions until it is met again.
            commune.recognitions = [
                (level_, year_, issued, revoked or datetime.date(year, 6, 30))
                for level_, year_, issued, revoked in commune.recognitions
            ]
        elif count == total and not in_force:
            if year < LAST_YEAR or rng.random() < 0.5:  # the last year's decisions are still coming in
                # The decision follows the round of 31 December that met every criterion, early the next year.
                day = datetime.date(year + 1, 1, 10) + datetime.timedelta(days=rng.randint(0, 110))
                commune.recognitions.append((NtmLevel.STANDARD, year, day, None))
        elif count == total and year >= 2021 and len(in_force) == 1 and in_force[0][1] <= 2019 and rng.random() < 0.12:
            # NTM nâng cao (QĐ 318/2022) for communes at the standard since before 2020
            day = datetime.date(year + 1, 2, 1) + datetime.timedelta(days=rng.randint(0, 110))
            commune.recognitions.append((NtmLevel.ADVANCED, year, day, None))


def _write_history(communes: list[_Commune], sets_by_year, criteria, result: NationalResult) -> None:
    """One round per commune and year of the set in force, a result per criterion, recognitions; then each
    commune's current decision and level."""
    rounds = []
    for commune in communes:
        _plan(commune, sets_by_year, criteria)
        recognised_years = {year for level, year, _day, _revoked in commune.recognitions if level == NtmLevel.STANDARD}
        for year in commune.met_count:
            status = RoundStatus.APPROVED
            if year == LAST_YEAR and year not in recognised_years:  # the latest round sits at every workflow step
                status = commune.rng.choices(
                    [
                        RoundStatus.APPROVED,
                        RoundStatus.VERIFIED,
                        RoundStatus.SUBMITTED,
                        RoundStatus.RETURNED,
                        RoundStatus.DRAFT,
                    ],
                    weights=[55, 15, 15, 5, 10],
                )[0]
            rounds.append(
                AssessmentRound(
                    commune=commune.unit,
                    criteria_set=sets_by_year[year],
                    year=year,
                    as_of=datetime.date(year, 12, 31),
                    status=status,
                    criteria_met=commune.met_count[year],
                )
            )
    AssessmentRound.objects.bulk_create(rounds, batch_size=INSERT_BATCH)
    result.rounds += len(rounds)

    round_by_key = {(r.commune_id, r.year): r for r in rounds}
    results = []
    for commune in communes:
        for year, count in commune.met_count.items():
            code = sets_by_year[year].code
            met = set(commune.order[code][:count])
            assessment_round = round_by_key[(commune.unit.pk, year)]
            reviewed = ReviewState.VERIFIED if assessment_round.status == RoundStatus.APPROVED else ReviewState.PENDING
            results.extend(
                CriterionResult(
                    assessment_round=assessment_round,
                    criterion_id=pk,
                    met=number in met,
                    assessed_as_whole=True,
                    review_state=reviewed,
                )
                for number, pk in criteria[code].items()
            )
        if len(results) >= INSERT_BATCH * 4:
            CriterionResult.objects.bulk_create(results, batch_size=INSERT_BATCH)
            result.criterion_results += len(results)
            results = []
    CriterionResult.objects.bulk_create(results, batch_size=INSERT_BATCH)
    result.criterion_results += len(results)

    recognitions = []
    for commune in communes:
        for number, (level, year, day, revoked) in enumerate(commune.recognitions, start=1):
            standard = level == NtmLevel.STANDARD
            recognitions.append(
                Recognition(
                    commune=commune.unit,
                    level=level,
                    year=year,
                    decision_date=day,
                    revoked_on=revoked,
                    decision_number=f"{commune.rng.randint(100, 4999)}-{number}/QĐ-UBND",
                    signer="Chủ tịch UBND tỉnh",
                    criteria_set=sets_by_year[year] if standard else None,
                    assessment_round=round_by_key[(commune.unit.pk, year)] if standard else None,
                )
            )
    Recognition.objects.bulk_create(recognitions, batch_size=INSERT_BATCH)
    result.recognitions += len(recognitions)
    result.revoked += sum(1 for r in recognitions if r.revoked_on)

    rank = {NtmLevel.STANDARD: 1, NtmLevel.ADVANCED: 2, NtmLevel.MODEL: 3}
    in_force: dict[int, Recognition] = {}
    for recognition in recognitions:  # the highest level not revoked, the latest decision of it
        current = in_force.get(recognition.commune_id)
        if recognition.revoked_on is None and (current is None or rank[recognition.level] >= rank[current.level]):
            in_force[recognition.commune_id] = recognition
    for commune in communes:
        recognition = in_force.get(commune.unit.pk)
        commune.unit.recognition = recognition
        commune.unit.ntm_level = recognition.level if recognition else NtmLevel.NOT_YET
        years = [year for _level, year, _day, _revoked in commune.recognitions]
        commune.unit.target_year = years[0] if years else LAST_YEAR + 1 + commune.rng.randint(0, 3)
    AdministrativeUnit.objects.bulk_update(
        [c.unit for c in communes], ["recognition", "ntm_level", "target_year"], batch_size=1000
    )


def _write_targets(provinces: list[AdministrativeUnit]) -> int:
    """The national programme's targets, for every province and district, scaled to their communes."""
    counts: dict[int, int] = {}
    for province_id, district_id in (
        AdministrativeUnit.objects.communes().filter(province__in=provinces).values_list("province", "district")
    ):
        counts[province_id] = counts.get(province_id, 0) + 1
        counts[district_id] = counts.get(district_id, 0) + 1
    units = [*provinces, *AdministrativeUnit.objects.districts().filter(province__in=provinces).order_by("code")]
    targets = [
        UnitTarget(
            unit=unit,
            year=year,
            min_communes_meeting_standard=math.ceil(counts.get(unit.pk, 0) * share),
            min_average_criteria=average,
            min_criteria_per_commune=lowest,
            decision=decision,
        )
        for unit in units
        for year, share, average, lowest, decision in TARGETS
    ]
    UnitTarget.objects.bulk_create(targets, batch_size=INSERT_BATCH)
    return len(targets)


def _ensure_national_user() -> list[tuple[str, str, str]]:
    """A national login: the role model has no national viewer, so it is a superuser (it sees every province).
    The demo's own logins are left as they are."""
    user, created = User.objects.get_or_create(
        username=NATIONAL_USERNAME,
        defaults={"first_name": "Văn phòng Điều phối NTM Trung ương", "is_staff": True, "is_superuser": True},
    )
    if not created:  # its password is its owner's (issue 17)
        return [(NATIONAL_USERNAME, UNCHANGED_PASSWORD, "Quản trị cả nước (superuser)")]
    user.set_password(DEMO_PASSWORD)
    user.save(update_fields=["password"])
    return [(NATIONAL_USERNAME, DEMO_PASSWORD, "Quản trị cả nước (superuser)")]
