"""Progress of communes against a criteria set, computed in the database.

The dashboard API, the browser dashboards and the PDF report all read progress through these two
selectors, so a figure is computed once and the same everywhere. Both take an `as_of` date and
rebuild the picture as it stood then: the latest round dated on or before it, and the NTM level
from the recognition decisions in force on it (not the current `ntm_level` column).

Scoping to what a user may see happens before: callers pass a unit they are allowed to read.
Every function here costs a fixed number of queries whatever the number of communes (DESIGN §5).
"""

from __future__ import annotations

import bisect
import functools
import math
import operator
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import (
    Count,
    Exists,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from communes.choices import NtmLevel
from communes.models import AdministrativeUnit, Recognition
from ntm_portal.access import action_q
from ntm_portal.choices import UnitLevel
from ntm_portal.in_force import in_force
from ntm_portal.scoping import NOTHING

from . import ledger
from .choices import ChangeKind, SetLevel
from .models import AssessmentChange, AssessmentRound, CriteriaSet, Criterion, CriterionResult, Standing, UnitTarget
from .services.transitions import TRANSITIONS, Transition, waiting_q

# The bands provincial reports count communes in (reference notes §4.2, Quảng Bình 2018, Bắc Giang): 19 / 15–18 /
# 10–14 / 5–9 / under 5 on the 19-criterion sets. "Under 5" stays 5 on the 10-criterion set (Biểu 06: "Số xã đạt
# từ 5 - 9 tiêu chí", "dưới 5 tiêu chí").
BAND_BASE_TOTAL = ledger.BASE_TOTAL
BAND_MIDDLE_FROM = 10
BAND_UNDER = 5


@dataclass(frozen=True)
class CommuneProgress:
    """One commune's standing on `as_of`: its latest round's score and its NTM level then."""

    commune_id: int
    code: str
    name: str
    district_id: int | None
    district_name: str | None
    region: str
    commune_group: int | None
    especially_disadvantaged: bool
    designated_special: bool
    round_id: int | None
    round_year: int | None
    round_status: str | None
    criteria_met: int | None  # None: no round of the set dated on or before as_of
    criteria_total: int
    unmet_criteria: list[tuple[int, str]]  # (number, name), in number order; empty when no round
    ntm_level: str  # NtmLevel value in force on as_of, from the recognition decisions
    meets_standard: bool
    # Without a round of the set yet (a new period has begun): the standing then against the set in force before.
    previous_set_name: str | None = None
    previous_criteria_met: int | None = None
    previous_criteria_total: int | None = None


@dataclass(frozen=True)
class CriteriaBand:
    """Communes whose criteria met fall in [min_criteria, max_criteria]; the label shows that range."""

    key: str  # "all", "high", "middle", "low", "lowest": stable names for CSS and the API
    label: str
    min_criteria: int
    max_criteria: int
    communes: int
    percent: float | None  # of assessed communes


@dataclass(frozen=True)
class CriterionProgress:
    criterion_id: int
    number: int
    name: str
    communes_meeting_criterion: int
    communes_assessed: int
    percent: float | None  # of assessed communes: a commune without a round says nothing about a criterion


@dataclass(frozen=True)
class TargetProgress:
    """A unit's UnitTarget for one year against the figures as of the report date.

    Each `*_met` is None when that target is not set.
    """

    year: int
    decision: str
    min_communes_meeting_standard: int | None
    communes_meeting_standard: int
    percent_of_target: float | None  # communes meeting / target communes, e.g. 6/10 = 60.0
    # The target as a share of the unit's communes: Định Hóa's 10 of 23 by 2020 = 43.5.
    target_percent_meeting_standard: float | None
    communes_target_met: bool | None
    min_average_criteria: Decimal | None
    average_criteria_met: float | None
    average_target_met: bool | None
    min_criteria_per_commune: int | None
    lowest_criteria_met: int | None
    min_criteria_target_met: bool | None


@dataclass(frozen=True)
class DistrictProgress:
    """One district's line in a province summary; district_id None gathers communes directly under the province."""

    district_id: int | None
    code: str | None
    name: str | None
    communes_total: int
    communes_meeting_standard: int
    percent_meeting_standard: float | None
    communes_assessed: int
    average_criteria_met: float | None
    target: TargetProgress | None


@dataclass(frozen=True)
class UnitProgress:
    """The summary of a province, district or commune on `as_of` (the provincial report's first page)."""

    unit_id: int | None  # None: the whole country
    unit_code: str
    unit_name: str
    unit_level: str
    as_of: date
    approved_only: bool
    criteria_set_id: int | None
    criteria_set_code: str | None
    criteria_set_name: str | None
    criteria_total: int
    communes_total: int
    communes_meeting_standard: int
    percent_meeting_standard: float | None
    communes_by_level: dict[str, int]  # every NtmLevel value, in NtmLevel order
    communes_assessed: int
    communes_without_round: int
    average_criteria_met: float | None  # over assessed communes
    lowest_criteria_met: int | None
    bands: list[CriteriaBand]
    districts: list[DistrictProgress]  # only for a province that has districts
    provinces: list[DistrictProgress]  # only for the country: its provinces' lines (district_id holds the province)
    criteria: list[CriterionProgress]  # weakest first
    target: TargetProgress | None


# What `_progress_from_rows` reads of each annotated commune.
PROGRESS_ROW_FIELDS = (
    "pk",
    "code",
    "name",
    "district_id",
    "district__name",
    "region",
    "commune_group",
    "especially_disadvantaged",
    "designated_special",
    "latest_round_id",
    "criteria_met",
    "level_as_of",
    "meets_standard_as_of",
    "round_year",
    "round_status",
    "unmet_numbers",
)
PREVIOUS_ROW_FIELDS = ("previous_criteria_met", "previous_criteria_total")


def commune_progress_list(
    *,
    unit: AdministrativeUnit,
    as_of: date,
    criteria_set: CriteriaSet | None = None,
    approved_only: bool = False,
) -> list[CommuneProgress]:
    """Every commune current on `as_of` within `unit`, in code order, with its progress then.

    Queries: the set's criteria (and the default set with them when `criteria_set` is None), the
    annotated communes, and their rounds joined to the met results.
    """
    criteria_set, criteria = _set_and_criteria(criteria_set, year=as_of.year)
    previous_set = _previous_set(criteria_set)
    rows = list(
        _progress_communes(
            unit=unit, as_of=as_of, criteria_set=criteria_set, approved_only=approved_only, previous_set=previous_set
        )
        .order_by("code", "pk")
        .values(*PROGRESS_ROW_FIELDS, *(PREVIOUS_ROW_FIELDS if previous_set else ()))
    )
    return _progress_from_rows(rows, criteria, previous_set)


COUNTRY_LEVEL = "country"  # UnitProgress.unit_level of the whole country's summary (unit None)


def unit_progress_summary(
    *,
    unit: AdministrativeUnit | None,
    as_of: date,
    criteria_set: CriteriaSet | None = None,
    approved_only: bool = False,
) -> UnitProgress:
    """Figures for `unit` on `as_of`: communes meeting the standard vs target, bands, districts, criteria.

    The database computes each commune's latest round, criteria met and level (the annotations that
    `commune_progress_list` reads) and groups the communes by (district, level, criteria met) with a
    count; the totals, bands and district lines are folded from those few groups here. Queries: the
    set's criteria (and the default set with them when `criteria_set` is None), the targets of the unit
    and its districts (not for a commune), the met results counted per criterion, and the groups.

    `unit` None is the whole country (a superuser's national overview): one line per province instead of
    per district, and no target (national targets are not recorded). The same few queries.
    """
    criteria_set, criteria = _set_and_criteria(criteria_set, year=as_of.year)
    criteria_total = len(criteria)
    targets = targets_in_force(unit=unit, year=as_of.year) if unit is not None else {}
    part = "province" if unit is None else "district"  # the lines one level down
    communes = _progress_communes(
        unit=unit, as_of=as_of, criteria_set=criteria_set, approved_only=approved_only, with_round=False
    )
    criterion_rows = _criterion_counts(communes=communes, criteria=criteria)

    # One GROUP BY rather than an aggregate() with a FILTER per level and band: the annotations are
    # correlated subqueries, and every aggregate or filter that reads one runs it again (measured on
    # PostgreSQL, 700 communes: 1.6 s for that aggregate(), 0.06 s for this, which runs each once per commune).
    groups = (
        communes.order_by()
        .values(f"{part}_id", f"{part}__code", f"{part}__name", "level_as_of", "criteria_met")
        .annotate(communes=Count("pk"))
    )
    unit_tally = _Tally()
    district_tallies: dict[int | None, _Tally] = {}
    district_labels: dict[int | None, tuple[str | None, str | None]] = {}
    for group in groups:
        district_id = group[f"{part}_id"]
        district_labels[district_id] = (group[f"{part}__code"], group[f"{part}__name"])
        for tally in (unit_tally, district_tallies.setdefault(district_id, _Tally())):
            tally.add(level=group["level_as_of"], criteria_met=group["criteria_met"], communes=group["communes"])

    districts = []
    # Only a province gets district lines, and not one without districts (the 2-level structure since 2025); the
    # country gets province lines.
    if (unit is None or unit.level == UnitLevel.PROVINCE) and any(pk is not None for pk in district_tallies):
        # Districts in code order; communes directly under the province last.
        ordered = sorted(district_tallies, key=lambda pk: (pk is None, district_labels[pk][0] or ""))
        for district_id in ordered:
            tally = district_tallies[district_id]
            code, name = district_labels[district_id]
            districts.append(
                DistrictProgress(
                    district_id=district_id,
                    code=code,
                    name=name,
                    communes_total=tally.total,
                    communes_meeting_standard=tally.meeting,
                    percent_meeting_standard=_percent(tally.meeting, tally.total),
                    communes_assessed=tally.assessed,
                    average_criteria_met=_average(tally.met_sum, tally.assessed),
                    target=_target_progress(targets.get(district_id), tally),
                )
            )

    assessed = unit_tally.assessed
    return UnitProgress(
        unit_id=unit.pk if unit else None,
        unit_code=unit.code if unit else "",
        unit_name=unit.name if unit else _("Cả nước"),
        unit_level=unit.level if unit else COUNTRY_LEVEL,
        as_of=as_of,
        approved_only=approved_only,
        criteria_set_id=criteria_set.pk if criteria_set else None,
        criteria_set_code=criteria_set.code if criteria_set else None,
        criteria_set_name=criteria_set.name if criteria_set else None,
        criteria_total=criteria_total,
        communes_total=unit_tally.total,
        communes_meeting_standard=unit_tally.meeting,
        percent_meeting_standard=_percent(unit_tally.meeting, unit_tally.total),
        communes_by_level={level: unit_tally.by_level[level] for level in NtmLevel.values},
        communes_assessed=assessed,
        communes_without_round=unit_tally.total - assessed,
        average_criteria_met=_average(unit_tally.met_sum, assessed),
        lowest_criteria_met=unit_tally.lowest,
        bands=[
            CriteriaBand(
                key=key,
                label=label,
                min_criteria=low,
                max_criteria=high,
                communes=(in_band := unit_tally.count_between(low, high)),
                percent=_percent(in_band, assessed),
            )
            for key, label, low, high in criteria_band_ranges(criteria_total)
        ],
        districts=districts if unit is not None else [],
        provinces=districts if unit is None else [],
        criteria=[
            CriterionProgress(
                criterion_id=pk,
                number=number,
                name=name,
                communes_meeting_criterion=meeting,
                communes_assessed=assessed,
                percent=_percent(meeting, assessed),
            )
            for pk, number, name, meeting in criterion_rows
        ],
        target=_target_progress(targets.get(unit.pk), unit_tally) if unit is not None else None,
    )


def default_criteria_set(*, year: int) -> CriteriaSet | None:
    """The set in force in `year` (ledger.set_in_force)."""
    return ledger.set_in_force(year)


def criteria_band_ranges(criteria_total: int) -> list[tuple[str, str, int, int]]:
    """The report's bands as (key, label, min, max) for a set of `criteria_total` criteria.

    For 19 criteria: "19", "15–18", "10–14", "5–9", "< 5". For a set of another size the "close to the finish"
    floor scales up (ledger.near_finish_from: 8 of 10) and the middle floor scales to the nearest criterion (10/19 of
    10 = 5.3 → 5), while "under 5" stays 5: 10 criteria give "10", "8–9", "5–7", "< 5". A band that becomes empty in a
    small set is left out.
    """
    if criteria_total <= 0:
        return []
    high_from = ledger.near_finish_from(criteria_total)
    middle_from = min(math.floor(BAND_MIDDLE_FROM * criteria_total / BAND_BASE_TOTAL + 0.5), high_from)
    low_from = min(BAND_UNDER, middle_from)
    ranges = [
        ("all", str(criteria_total), criteria_total, criteria_total),
        ("high", _range_label(high_from, criteria_total - 1), high_from, criteria_total - 1),
        ("middle", _range_label(middle_from, high_from - 1), middle_from, high_from - 1),
        ("low", _range_label(low_from, middle_from - 1), low_from, middle_from - 1),
        ("lowest", f"< {low_from}", 0, low_from - 1),
    ]
    return [band for band in ranges if band[2] <= band[3]]


# --- building blocks -------------------------------------------------------------------------------


def _previous_set(criteria_set: CriteriaSet | None) -> CriteriaSet | None:
    """The national set in force before a national basic set's period began (one query); None for another set."""
    if criteria_set is None or criteria_set.province_id is not None or criteria_set.level != SetLevel.BASIC:
        return None
    return ledger.set_in_force(criteria_set.period_start - 1)


def _set_and_criteria(
    criteria_set: CriteriaSet | None, *, year: int
) -> tuple[CriteriaSet | None, list[tuple[int, int, str]]]:
    """The set to use (the year's default when None) and its criteria as (pk, number, name) in number order.

    One query: the default set is found by a subquery and comes back joined to its criteria.
    """
    if criteria_set is not None:
        return criteria_set, list(criteria_set.criteria.order_by("number").values_list("pk", "number", "name"))
    criteria = list(
        Criterion.objects.filter(criteria_set=Subquery(ledger.national_basic_sets(year).values("pk")[:1]))
        .select_related("criteria_set")
        .order_by("number")
    )
    if criteria:
        return criteria[0].criteria_set, [(c.pk, c.number, c.name) for c in criteria]
    # No set for the year, or one whose criteria are not entered yet: a second query tells which.
    return default_criteria_set(year=year), []


def _progress_communes(
    *,
    unit: AdministrativeUnit | None,
    as_of: date,
    criteria_set: CriteriaSet | None,
    approved_only: bool,
    with_round: bool = True,
    previous_set: CriteriaSet | None = None,
) -> QuerySet:
    """Communes current on as_of within unit (the whole country for None), with their standing then from the ledger
    (`ledger.with_standing`: latest_round_id, criteria_met, level_as_of, ...)."""
    communes = AdministrativeUnit.objects.communes().in_force_on(as_of)
    if unit is not None:
        communes = communes.within(unit)
    return ledger.with_standing(
        communes,
        criteria_set=criteria_set,
        day=as_of,
        approved_only=approved_only,
        with_round=with_round,
        previous_set=previous_set,
    )


class _Tally:
    """Figures of a set of communes, added up from (level, criteria met, count) groups."""

    def __init__(self) -> None:
        self.total = 0
        self.meeting = 0
        self.assessed = 0
        self.met_sum = 0
        self.lowest: int | None = None
        self.by_level: Counter[str] = Counter()
        self.by_criteria_met: Counter[int] = Counter()

    def add(self, *, level: str, criteria_met: int | None, communes: int) -> None:
        self.total += communes
        self.by_level[level] += communes
        if ledger.meets_standard(level):
            self.meeting += communes
        if criteria_met is not None:  # None: no round
            self.assessed += communes
            self.met_sum += criteria_met * communes
            self.by_criteria_met[criteria_met] += communes
            self.lowest = criteria_met if self.lowest is None else min(self.lowest, criteria_met)

    def count_between(self, low: int, high: int) -> int:
        return sum(communes for met, communes in self.by_criteria_met.items() if low <= met <= high)


def _criterion_counts(*, communes: QuerySet, criteria: list[tuple[int, int, str]]) -> list[tuple[int, int, str, int]]:
    """(pk, number, name, communes meeting it) per criterion of the set, weakest first.

    The counts are grouped from the results of the selected rounds only, so the database reaches them
    through the rounds' index in proportion to the unit's size, never reading every result a criterion
    ever had in the country; the set's criteria are passed in so that a criterion nobody meets is listed with 0.
    """
    if not criteria:
        return []
    meeting = dict(
        CriterionResult.objects.filter(assessment_round_id__in=communes.values("latest_round_id"), met=True)
        .order_by()
        .values("criterion_id")
        .annotate(communes=Count("pk"))
        .values_list("criterion_id", "communes")
    )
    counted = [(pk, number, name, meeting.get(pk, 0)) for pk, number, name in criteria]
    return sorted(counted, key=lambda row: (row[3], row[1]))


def targets_in_force(*, unit: AdministrativeUnit, year: int) -> dict[int, UnitTarget]:
    """The target in force in `year` for the unit and, for a province, for each of its districts, in one query.

    Targets are set for milestone years ("at least 10 communes by 2020"), so the one in force is the nearest
    target year not before `year`: a 2018 dashboard measures progress towards the 2020 target.
    """
    if unit.level == UnitLevel.COMMUNE:
        return {}  # targets are set for provinces and districts only
    scope = Q(unit=unit)
    if unit.level == UnitLevel.PROVINCE:
        scope |= Q(unit__province=unit, unit__level=UnitLevel.DISTRICT)
    in_force: dict[int, UnitTarget] = {}
    for target in UnitTarget.objects.filter(scope, year__gte=year).order_by("-year"):
        in_force[target.unit_id] = target  # farthest year first: each nearer one overwrites it
    return in_force


def _target_progress(target: UnitTarget | None, tally: _Tally) -> TargetProgress | None:
    """Progress of one unit's figures against its target for the year."""
    if target is None:
        return None
    meeting, assessed, met_sum, lowest = tally.meeting, tally.assessed, tally.met_sum, tally.lowest

    communes_target = target.min_communes_meeting_standard
    communes_met = None if communes_target is None else meeting >= communes_target

    average_target = target.min_average_criteria
    average_met = None
    if average_target is not None:
        # Compared exactly (sum >= target × count), not after rounding the average for display.
        average_met = bool(assessed) and Decimal(met_sum) >= average_target * assessed

    floor = target.min_criteria_per_commune
    floor_met = None
    if floor is not None:
        # "No commune below Y": a commune without a round may be below, so it is only met when all are assessed.
        floor_met = assessed == tally.total and (lowest is None or lowest >= floor)

    return TargetProgress(
        year=target.year,
        decision=target.decision,
        min_communes_meeting_standard=communes_target,
        communes_meeting_standard=meeting,
        percent_of_target=_percent(meeting, communes_target) if communes_target else None,
        target_percent_meeting_standard=_percent(communes_target, tally.total) if communes_target else None,
        communes_target_met=communes_met,
        min_average_criteria=average_target,
        average_criteria_met=_average(met_sum, assessed),
        average_target_met=average_met,
        min_criteria_per_commune=floor,
        lowest_criteria_met=lowest,
        min_criteria_target_met=floor_met,
    )


def _one_decimal(value: Decimal) -> float:
    # Half up, as reports round (12.25 -> 12.3), not the banker's rounding of round().
    return float(value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def _percent(part: int, whole: int | None) -> float | None:
    if not whole:
        return None
    return _one_decimal(Decimal(part) * 100 / Decimal(whole))


def _average(total: int | None, count: int) -> float | None:
    if not count:
        return None
    return _one_decimal(Decimal(total or 0) / Decimal(count))


def _range_label(low: int, high: int) -> str:
    return str(low) if low == high else f"{low}–{high}"


# --- the browser's round lists and review queues -------------------------------------------------------------------


def _with_score(rounds: QuerySet) -> QuerySet:
    """Rounds with `criteria_total` (the round's own `criteria_met` is kept by the ledger) for "15/19", and the joins a
    list row shows."""
    return rounds.select_related("commune", "commune__district", "criteria_set").annotate(
        criteria_total=ledger.criteria_total("criteria_set_id")
    )


def round_list(*, user) -> QuerySet[AssessmentRound]:
    """The rounds `user` sees, newest year first, with their score and commune joined."""
    return _with_score(AssessmentRound.objects.visible_to(user)).order_by("-year", "commune__code", "pk")


def _last_state_change_at(rounds: QuerySet) -> QuerySet:
    last = (
        AssessmentChange.objects.filter(assessment_round=OuterRef("pk"), kind=ChangeKind.STATE)
        .order_by("-changed_at", "-pk")
        .values("changed_at")[:1]
    )
    return rounds.annotate(state_changed_at=Subquery(last))


# A queue: the transitions whose rounds wait in it (criteria.services.transitions). Verification: the district's
# "verify" (thẩm tra); approval: the province's "approve" (thẩm định) and "recognise" (ghi quyết định công nhận).
QUEUE_TRANSITIONS = {"verification": ("verify",), "approval": ("approve", "recognise")}


def queue_transitions(kind: str) -> list[Transition]:
    return [TRANSITIONS[name] for name in QUEUE_TRANSITIONS[kind]]


def queue_states(kind: str) -> list[str]:
    """The states a queue's rounds may be in, in the table's order: the from-states of its transitions."""
    return list(dict.fromkeys(state for t in queue_transitions(kind) for state in t.from_states))


def queue_transition_for(kind: str, status: str) -> Transition | None:
    """The transition a queue's round in `status` waits for (the first of the queue's that starts from it)."""
    return next((t for t in queue_transitions(kind) if status in t.from_states), None)


def _recognition_due_q(today: date) -> Q:
    """Rounds worth a recognition decision: every criterion met (the round's criteria_met, kept by the ledger, against
    the set's count), no decision recorded on the round yet, and the commune's level in force today (the ledger's level
    rows) below the level the round's set certifies. A commune recognised in 2016 does not wait again for each of its
    2017–2024 rounds; a commune recognised at the standard still waits for the decision on its advanced round."""
    below = Q(pk__in=[])
    for set_level, certified in ledger.SET_LEVEL_CERTIFIES.items():
        as_high = [level for level, rank in ledger.LEVEL_RANK.items() if rank >= ledger.LEVEL_RANK[certified]]
        held = ledger.level_rows_on(today, commune_ref="commune_id").filter(ntm_level__in=as_high)
        below |= Q(criteria_set__level=set_level) & ~Exists(held)
    all_met = Q(criteria_met=ledger.criteria_total("criteria_set_id"), criteria_met__gt=0)
    return all_met & Q(recognition__isnull=True) & below


def actionable_q(user, kind: str, *, today: date) -> Q | None:
    """Rounds waiting for `user` in the queue `kind`, as one condition: the user's role and unit may take one of the
    queue's transitions and the round is in a state it starts from (`waiting_q`); for a recognition, a decision is
    also due. None when the user's role takes none of them (no query needed)."""
    condition = None
    for transition in queue_transitions(kind):
        if not may_take_any(user, transition):
            continue
        waiting = waiting_q(user, transition)
        if transition.name == "recognise":
            waiting &= _recognition_due_q(today)
        condition = waiting if condition is None else condition | waiting
    return condition


def may_take_any(user, transition: Transition) -> bool:
    """Whether the user's role and unit allow the transition on some commune (action_q is not "nothing")."""
    return action_q(user, transition.action) != NOTHING


def returned_q(user) -> Q | None:
    """Rounds returned to the user's commune (bị trả lại), which the user may submit again; None for other roles."""
    submit = TRANSITIONS["submit"]
    if not may_take_any(user, submit):
        return None
    return action_q(user, submit.action) & Q(status=TRANSITIONS["return_to_commune"].to_state)


def queue_rounds(
    *,
    user,
    kind: str,
    narrow: Callable[[QuerySet], QuerySet] | None = None,
    newest_first: bool = False,
    today: date | None = None,
) -> QuerySet[AssessmentRound]:
    """The review queue `kind` of `user`: one line per commune, its latest waiting round (highest year) among those
    `narrow` keeps (criteria.filtersets.QueueFilterSet's filter_queryset), with its score and `waiting_since` (its
    last change of state; its creation when the log has none), the longest waiting first. One query for a page (two
    with its count), whatever the number of rounds."""
    condition = actionable_q(user, kind, today=today or timezone.localdate())
    if condition is None:
        return AssessmentRound.objects.none()
    waiting = _waiting_since(AssessmentRound.objects.visible_to(user).filter(condition))
    if narrow is not None:
        waiting = narrow(waiting)
    # Of each commune's matching rounds, the latest: Xã Phúc Hà's rounds 2016–2024 make one line, 2024's.
    latest = waiting.filter(commune_id=OuterRef("commune_id")).order_by("-year", "-pk").values("pk")[:1]
    rounds = _with_score(waiting.filter(pk=Subquery(latest)))
    waited = "-waiting_since" if newest_first else "waiting_since"
    return rounds.order_by(waited, "commune__code", "pk")


def _waiting_since(rounds: QuerySet) -> QuerySet:
    return _last_state_change_at(rounds).annotate(waiting_since=Coalesce("state_changed_at", "created_at"))


def verification_queue(*, user, **options) -> QuerySet[AssessmentRound]:
    """Submitted rounds this user may verify (thẩm tra): one line per commune, the longest waiting first."""
    return queue_rounds(user=user, kind="verification", **options)


def approval_queue(*, user, **options) -> QuerySet[AssessmentRound]:
    """Rounds waiting for this user at the province: verified rounds to approve (thẩm định), and approved rounds
    meeting every criterion whose recognition decision is due. One line per commune, the longest waiting first."""
    return queue_rounds(user=user, kind="approval", **options)


def waiting_counts(*, user, today: date | None = None) -> dict[str, int]:
    """For the navigation's badges: the communes waiting in each of the user's queues ("verification", "approval")
    and the user's rounds returned to them ("returned"), in one query. Only what the user's role acts on is counted:
    a role with nothing to count costs no query."""
    today = today or timezone.localdate()
    conditions = {kind: actionable_q(user, kind, today=today) for kind in QUEUE_TRANSITIONS}
    conditions["returned"] = returned_q(user)
    conditions = {kind: condition for kind, condition in conditions.items() if condition is not None}
    if not conditions:
        return {}
    any_of = functools.reduce(operator.or_, conditions.values())
    counted = {
        kind: Count("pk", filter=condition)
        if kind == "returned"
        else Count("commune_id", filter=condition, distinct=True)
        for kind, condition in conditions.items()
    }
    return AssessmentRound.objects.visible_to(user).filter(any_of).aggregate(**counted)


# --- the API: a page of communes, and the trend by year (issue 5) ---------------------------------------------------


def commune_progress_for(
    *,
    communes: list[AdministrativeUnit],
    as_of: date,
    criteria_set: CriteriaSet | None = None,
    approved_only: bool = False,
) -> dict[int, CommuneProgress]:
    """The progress of the given communes on `as_of`, by commune id, figured as `commune_progress_list` figures a
    unit's (the same annotations and rules): for a list the caller has already scoped, filtered, ordered and paged.

    A commune not current on `as_of` is left out. Queries: the set's criteria, and the communes with their standing,
    whatever the number of provinces they are in.
    """
    ids = [commune.pk for commune in communes]
    if not ids:
        return {}
    criteria_set, criteria = _set_and_criteria(criteria_set, year=as_of.year)
    previous_set = _previous_set(criteria_set)
    rows = list(
        _progress_communes(
            unit=None, as_of=as_of, criteria_set=criteria_set, approved_only=approved_only, previous_set=previous_set
        )
        .filter(pk__in=ids)
        .order_by()
        .values(*PROGRESS_ROW_FIELDS, *(PREVIOUS_ROW_FIELDS if previous_set else ()))
    )
    return {item.commune_id: item for item in _progress_from_rows(rows, criteria, previous_set)}


def _progress_from_rows(
    rows: list[dict], criteria: list[tuple[int, int, str]], previous_set: CriteriaSet | None = None
) -> list[CommuneProgress]:
    """CommuneProgress from `_progress_communes` rows; the unmet criteria's names from the set's `criteria`; the
    previous set's standing for a commune without a round of the set, when the rows carry it."""
    names = {number: name for _pk, number, name in criteria}

    def previous(row) -> dict:
        if previous_set is None or row["criteria_met"] is not None or row.get("previous_criteria_met") is None:
            return {}
        return {
            "previous_set_name": previous_set.name,
            "previous_criteria_met": row["previous_criteria_met"],
            "previous_criteria_total": row["previous_criteria_total"],
        }

    return [
        CommuneProgress(
            commune_id=row["pk"],
            code=row["code"],
            name=row["name"],
            district_id=row["district_id"],
            district_name=row["district__name"],
            region=row["region"],
            commune_group=row["commune_group"],
            especially_disadvantaged=row["especially_disadvantaged"],
            designated_special=row["designated_special"],
            round_id=row["latest_round_id"],
            round_year=row["round_year"],
            round_status=row["round_status"] if row["latest_round_id"] else None,
            criteria_met=row["criteria_met"],
            criteria_total=len(criteria),
            unmet_criteria=[(n, names.get(n, "")) for n in row["unmet_numbers"] or ()]
            if row["latest_round_id"] is not None
            else [],
            ntm_level=row["level_as_of"],
            meets_standard=row["meets_standard_as_of"],
            **previous(row),
        )
        for row in rows
    ]


@dataclass(frozen=True)
class YearProgress:
    """One year of a unit's trend: its figures on 31 December (or on the as-of date, in that date's year), against
    the national basic set in force that year."""

    year: int
    as_of: date
    criteria_set_id: int | None
    criteria_set_code: str | None
    criteria_total: int
    communes_total: int
    communes_meeting_standard: int
    percent_meeting_standard: float | None
    communes_assessed: int
    average_criteria_met: float | None
    lowest_criteria_met: int | None
    target_communes_meeting_standard: int | None  # the target in force that year, if one is set


def unit_progress_trend(
    *,
    unit: AdministrativeUnit,
    years: list[int] | range,
    as_of: date | None = None,
    approved_only: bool = False,
) -> list[YearProgress]:
    """The unit's progress year by year, each year figured as `unit_progress_summary` figures it (the ledger's
    standing in force on the day, the year's default set), so a year's line equals that year's summary.

    Four queries whatever the number of years: the sets with their criteria counts, the unit's communes with their
    validity, their standings over the years' span, and the targets. The years are folded here from the standings
    rather than grouped by the database year by year: one read of a few rows per commune instead of a join per year.
    """
    years = sorted({year for year in years if as_of is None or year <= as_of.year})
    if not years:
        return []
    sets = list(
        ledger.national_basic_sets()
        .filter(period_start__lte=years[-1], period_end__gte=years[0])
        .annotate(criteria_total=Count("criteria"))
    )

    def set_for(year: int) -> CriteriaSet | None:
        return ledger.set_in_force_among(sets, year)

    days = {year: min(date(year, 12, 31), as_of) if as_of else date(year, 12, 31) for year in years}
    first, last = days[years[0]], days[years[-1]]
    communes = list(
        AdministrativeUnit.objects.communes()
        .within(unit)
        .in_force_during(first, last)
        .values_list("pk", "valid_from", "valid_to")
    )
    chains: dict[tuple[int, int | None], list[tuple]] = defaultdict(list)  # (commune, set) -> standings by date
    set_ids = {set_for(year).pk if set_for(year) else None for year in years}
    standings = (
        Standing.objects.filter(unit.communes_q())
        .filter(Q(criteria_set_id__in=set_ids - {None}) | Q(criteria_set__isnull=True))
        .in_force_during(first, last)
        .order_by("valid_from")
        .values_list(
            "commune_id", "criteria_set_id", "approved_only", "valid_from", "valid_to", "criteria_met", "ntm_level"
        )
    )
    for commune_id, set_id, approved, valid_from, valid_to, met, level in standings:
        if approved == (approved_only and set_id is not None):  # as ledger.with_standing chooses its rows
            chains[(commune_id, set_id)].append((valid_from, valid_to, met, level))

    tallies = {year: _Tally() for year in years}
    for year in years:
        day, criteria_set = days[year], set_for(year)
        for commune_id, valid_from, valid_to in communes:
            if not in_force(valid_from, valid_to, day):
                continue
            chain = chains.get((commune_id, criteria_set.pk if criteria_set else None), ())
            row = next((r for r in chain if in_force(r[0], r[1], day)), None)
            met, level = (row[2], row[3]) if row else (None, NtmLevel.NOT_YET)
            tallies[year].add(level=level, criteria_met=met if criteria_set else None, communes=1)

    targets = []
    if unit.level != UnitLevel.COMMUNE:
        targets = list(UnitTarget.objects.filter(unit=unit, year__gte=years[0]).order_by("year"))

    trend = []
    for year in years:
        tally, criteria_set = tallies[year], set_for(year)
        # As targets_in_force: the target in force is the nearest target year not before the year.
        target = next((t for t in targets if t.year >= year), None)
        trend.append(
            YearProgress(
                year=year,
                as_of=days[year],
                criteria_set_id=criteria_set.pk if criteria_set else None,
                criteria_set_code=criteria_set.code if criteria_set else None,
                criteria_total=criteria_set.criteria_total if criteria_set else 0,
                communes_total=tally.total,
                communes_meeting_standard=tally.meeting,
                percent_meeting_standard=_percent(tally.meeting, tally.total),
                communes_assessed=tally.assessed,
                average_criteria_met=_average(tally.met_sum, tally.assessed),
                lowest_criteria_met=tally.lowest,
                target_communes_meeting_standard=target.min_communes_meeting_standard if target else None,
            )
        )
    return trend


# --- round history: counts on any date, for secondment results and the forecast (issue 8) --------------------------


@dataclass(frozen=True)
class HistoryCommune:
    commune_id: int
    code: str
    name: str
    district_id: int | None
    district_code: str | None
    district_name: str | None


@dataclass(frozen=True)
class RoundPoint:
    """One round of a national basic set: the commune's criteria met from the day it counts (ledger.counts_from)."""

    as_of: date
    year: int
    criteria_set_id: int
    criteria_met: int


class CriteriaHistory:
    """The communes of a unit, all their rounds of the national basic sets up to a date, and their recognition
    decisions, loaded once so that counts on any number of dates cost no further query.

    A count on a date is the commune's latest known one: its latest round of a national basic set dated on or before
    the date. Unlike `commune_progress_list`, which counts only the set in force that year, it falls back to the
    previous set early in a year whose set has no round yet (a cadre arriving in March 2016 found the commune as the
    December 2015 round left it). Across a change of set a gain is what the two counts say: both sets had 19 criteria
    until 2025; the 2026 set has 10, so gains across 2026 mean little and the pages date every count.
    """

    def __init__(
        self,
        *,
        as_of: date,
        sets: list[CriteriaSet],
        communes: dict[int, HistoryCommune],
        rounds: dict[int, list[RoundPoint]],
        recognitions: dict[int, list[tuple[str, date, date | None]]],
    ) -> None:
        self.as_of = as_of
        self.sets = sets  # newest first, each annotated with criteria_total
        self.communes = communes
        self._rounds = rounds  # by commune, oldest first
        self._round_dates = {commune_id: [point.as_of for point in points] for commune_id, points in rounds.items()}
        self._recognitions = recognitions  # by commune: (level, decision date, revoked on)
        self._first_standard = {
            commune_id: min(day for level, day, _revoked in decisions if ledger.meets_standard(level))
            for commune_id, decisions in recognitions.items()
            if any(ledger.meets_standard(level) for level, _day, _revoked in decisions)
        }

    def criteria_total(self, criteria_set_id: int) -> int:
        return next((s.criteria_total for s in self.sets if s.pk == criteria_set_id), 0)

    def criteria_met_on(self, commune_id: int, day: date) -> int | None:
        """Criteria met by the commune on `day` as its latest round by then says, or None without a round by then."""
        # Bisect: the secondment and forecast pages ask this for every commune and group (26,000 times for 700).
        position = bisect.bisect_right(self._round_dates.get(commune_id, ()), min(day, self.as_of))
        return self._rounds[commune_id][position - 1].criteria_met if position else None

    def rounds(self, commune_id: int) -> list[RoundPoint]:
        """The commune's rounds dated on or before as_of, oldest first (same-day rounds by year, then id)."""
        return self._rounds.get(commune_id, [])

    def standard_reached_on(self, commune_id: int, since: date | None = None) -> date | None:
        """The date of the commune's first decision recognising it at the standard or above, issued by as_of (and on
        or after `since`: a commune that lost its recognition reaches the standard again with a later decision)."""
        first = self._first_standard.get(commune_id)
        if since is None or first is None or first >= since:
            return first
        return min(
            (
                day
                for level, day, _revoked in self._recognitions[commune_id]
                if ledger.meets_standard(level) and day >= since
            ),
            default=None,
        )

    def standard_since(self, commune_id: int, day: date) -> date | None:
        """The date of the earliest decision at the standard or above in force on `day`, or None when none is: the
        year a commune meeting the standard was recognised, not that of a decision revoked since."""
        return min(
            (
                issued
                for level, issued, revoked in self._recognitions.get(commune_id, ())
                if ledger.meets_standard(level) and ledger.decision_in_force(issued, revoked, day)
            ),
            default=None,
        )

    def meets_standard_on(self, commune_id: int, day: date) -> bool:
        """A decision at the standard or above in force on `day`: issued by then and not revoked by then."""
        return self.standard_since(commune_id, day) is not None


def criteria_history(*, unit: AdministrativeUnit, as_of: date) -> CriteriaHistory:
    """The communes current on `as_of` within `unit`, and the rounds and recognitions of every commune within it
    (those no longer current included). Four queries whatever the number of communes, rounds and dates asked about:
    the national basic sets, the communes, the rounds with their met count (grouped in the database), the
    recognitions."""
    sets = list(ledger.national_basic_sets().annotate(criteria_total=Count("criteria")))
    communes = {
        row["pk"]: HistoryCommune(
            row["pk"], row["code"], row["name"], row["district_id"], row["district__code"], row["district__name"]
        )
        for row in AdministrativeUnit.objects.communes()
        .within(unit)
        .in_force_on(as_of)
        .order_by("code", "pk")
        .values("pk", "code", "name", "district_id", "district__code", "district__name")
    }
    in_unit = unit.communes_q()
    rounds: dict[int, list[RoundPoint]] = defaultdict(list)
    round_rows = (
        AssessmentRound.objects.filter(in_unit, criteria_set__in=[s.pk for s in sets])
        .filter(Q(as_of__lte=as_of) | Q(approved_on__lte=as_of))
        .order_by("commune_id", "as_of", "year", "pk")
        .values_list("commune_id", "as_of", "approved_on", "year", "criteria_set_id", "criteria_met")
    )
    # Every commune of the unit, current or not: a secondment to a commune merged since still reads its counts.
    for commune_id, day, approved_on, *point in round_rows:
        rounds[commune_id].append(RoundPoint(ledger.counts_from(day, approved_on), *point))
    for points in rounds.values():
        points.sort(key=lambda point: point.as_of)  # by the day each counts from, for the bisect (stable: as_of order)
    recognitions: dict[int, list[tuple[str, date, date | None]]] = defaultdict(list)
    for commune_id, level, issued, revoked in (
        Recognition.objects.filter(in_unit, decision_date__lte=as_of)
        .order_by("commune_id", "decision_date", "pk")
        .values_list("commune_id", "level", "decision_date", "revoked_on")
    ):
        recognitions[commune_id].append((level, issued, revoked))
    return CriteriaHistory(as_of=as_of, sets=sets, communes=communes, rounds=rounds, recognitions=recognitions)
