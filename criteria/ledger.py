"""The progress ledger (`Standing`): where every commune stood against every criteria set on any date, and the one
definition of each figure read from it.

Definitions (the README's "Definitions" section says the same in words):
- **criteria met** of a round: its results marked met (`AssessmentRound.criteria_met`, kept here);
  **criteria total**: the criteria of the round's set;
- a commune's **standing on a day** against a set: its latest round of the set counting by the day (latest `as_of`,
  then year, then id; a round counts from its `as_of`, or from its approval when that comes first), with that
  round's criteria met and unmet;
- **NTM level on a day**: the highest level among the recognition decisions in force that day (issued by then, not
  revoked by then); a commune **meets the standard** when that level is the standard or above;
- **close to the finish**: not meeting the standard, and meeting at least `near_finish_from(total)` criteria
  (15 of 19, 8 of 10);
- the **set in force** in a year: the newest national basic set whose period contains the year.

Writes: the workflow services (criteria.services.assessment) and the admin call `refresh_communes` in the
transaction of every change that can alter a standing (a round's values or state, a recognition or its revocation,
a target, a commune's region or group); `rebuild` rewrites everything from the raw rows. Both compute rows with the
same function, so an incrementally kept ledger and a rebuilt one are equal (tests/criteria/test_ledger.py).
"""

from __future__ import annotations

import datetime
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import (
    BooleanField,
    CharField,
    Count,
    Exists,
    F,
    FilteredRelation,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Cast, Coalesce

from communes.choices import MergedStanding, NtmLevel
from communes.models import AdministrativeUnit, Recognition, UnitSuccession
from ntm_portal.figures_cache import invalidate_figures
from ntm_portal.in_force import in_force, in_force_q

from .choices import RoundStatus, SetLevel
from .models import AssessmentRound, CriteriaSet, Criterion, CriterionResult, Standing

# Levels at which a commune counts as meeting the standard (đạt chuẩn NTM or above), and their order.
STANDARD_LEVELS = (NtmLevel.STANDARD, NtmLevel.ADVANCED, NtmLevel.MODEL)
LEVEL_RANK = {NtmLevel.NOT_YET: 0, NtmLevel.STANDARD: 1, NtmLevel.ADVANCED: 2, NtmLevel.MODEL: 3}
# The level a recognition on a round of each kind of set confers.
SET_LEVEL_CERTIFIES = {
    SetLevel.BASIC: NtmLevel.STANDARD,
    SetLevel.ADVANCED: NtmLevel.ADVANCED,
    SetLevel.MODEL: NtmLevel.MODEL,
}

# The 19-criterion reports' "close to the finish" band starts at 15 of 19 (DESIGN §2 Reports: 19 / 15–18 / 10–14).
NEAR_FINISH_OF_19 = 15
BASE_TOTAL = 19

REBUILD_BATCH = 500  # communes per batch: bounded memory and IN lists SQLite accepts


# --- definitions ---------------------------------------------------------------------------------------------------


def national_basic_sets(year: int | None = None) -> QuerySet[CriteriaSet]:
    """National basic sets (no issuing province), newest first; those whose period contains `year` if given."""
    sets = CriteriaSet.objects.filter(province__isnull=True, level=SetLevel.BASIC)
    if year is not None:
        sets = sets.filter(period_start__lte=year, period_end__gte=year)
    return sets.order_by("-period_start", "-issued_on", "-pk")


def set_in_force(year: int) -> CriteriaSet | None:
    """The set communes are assessed on in `year`: the newest national basic set whose period contains it."""
    return national_basic_sets(year).first()


def set_in_force_among(sets: Iterable[CriteriaSet], year: int) -> CriteriaSet | None:
    """`set_in_force` among national basic sets already loaded, newest first (`national_basic_sets()`)."""
    return next((s for s in sets if s.period_start <= year <= s.period_end), None)


def near_finish_from(criteria_total: int) -> int:
    """Criteria met from which a commune not yet meeting the standard is "close to the finish": 15 of 19, and the same
    share of another set rounded up (8 of 10), never more than the set has."""
    return min(math.ceil(NEAR_FINISH_OF_19 * criteria_total / BASE_TOTAL), criteria_total)


def criteria_total(set_field: str = "criteria_set_id") -> Coalesce:
    """The number of criteria of the set the outer row names in `set_field`, as an expression."""
    counted = (
        Criterion.objects.filter(criteria_set=OuterRef(set_field))
        .order_by()
        .values("criteria_set")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def counts_from(as_of: datetime.date, approved_on: datetime.date | None) -> datetime.date:
    """The day a round starts to count in the figures: its as-of date, or the day the province approved it when that
    comes first (a 2026 round dated 31 December and approved in May counts from May)."""
    return min(as_of, approved_on) if approved_on else as_of


def meets_standard(level: str) -> bool:
    return level in STANDARD_LEVELS


def decision_in_force(issued: datetime.date, revoked_on: datetime.date | None, day: datetime.date) -> bool:
    """A recognition decision counts from its date until the day it is revoked (Recognition's in-force fields)."""
    return in_force(issued, revoked_on, day, end_exclusive=True)


# --- reading -------------------------------------------------------------------------------------------------------


def with_standing(
    communes: QuerySet[AdministrativeUnit],
    *,
    criteria_set: CriteriaSet | None,
    day: datetime.date,
    approved_only: bool = False,
    with_round: bool = True,
    previous_set: CriteriaSet | None = None,
) -> QuerySet[AdministrativeUnit]:
    """`communes` annotated with their standing on `day` against the set (one LEFT JOIN, no subquery):
    `latest_round_id`, `criteria_met` (None: no round of the set by then), `level_as_of`, `meets_standard_as_of`,
    `unmet_numbers`, `round_year`, `round_status`.

    With no set (a year no set covers) nobody has a round, and the level comes from the set-less rows.
    `with_round=False` leaves out the round's year and status (a join to the rounds): for counts.
    `previous_set`: also `previous_criteria_met` and `previous_criteria_total`, the standing then against the set
    in force before (shown beside a commune not assessed on the present set yet).
    """
    # Without a set, the set-less rows, which carry the level alone.
    chain = Q(standings__criteria_set=criteria_set) if criteria_set else Q(standings__criteria_set__isnull=True)
    condition = (
        chain
        & Q(standings__approved_only=approved_only and criteria_set is not None)
        & in_force_q(day, start="valid_from", end="valid_to", start_optional=False, path="standings")
    )
    communes = communes.annotate(standing=FilteredRelation("standings", condition=condition))
    if criteria_set is None:
        no_number = Cast(Value(None), IntegerField())  # PostgreSQL would type a bare NULL as text
        scores = {"latest_round_id": no_number, "criteria_met": no_number}
        if with_round:
            scores |= {"round_year": no_number, "round_status": Cast(Value(None), CharField())}
    else:
        scores = {"latest_round_id": F("standing__assessment_round_id"), "criteria_met": F("standing__criteria_met")}
        if with_round:
            scores |= {
                "round_year": F("standing__assessment_round__year"),
                "round_status": F("standing__assessment_round__status"),
            }
    if previous_set is not None:
        before = Q(standings__criteria_set=previous_set, standings__approved_only=approved_only) & in_force_q(
            day, start="valid_from", end="valid_to", start_optional=False, path="standings"
        )
        communes = communes.annotate(previous=FilteredRelation("standings", condition=before))
        scores |= {
            "previous_criteria_met": F("previous__criteria_met"),
            "previous_criteria_total": F("previous__criteria_total"),
        }
    return communes.annotate(
        **scores,
        unmet_numbers=F("standing__unmet_criteria"),
        level_as_of=Coalesce(F("standing__ntm_level"), Value(NtmLevel.NOT_YET.value)),
        meets_standard_as_of=Coalesce(F("standing__meets_standard"), Value(False), output_field=BooleanField()),
    )


def level_rows_on(day: datetime.date, commune_ref: str = "pk") -> QuerySet[Standing]:
    """The ledger's level rows (no set) in force on `day` of the outer row's commune (`commune_ref`): at most one."""
    return Standing.objects.in_force_on(day).filter(commune=OuterRef(commune_ref), criteria_set__isnull=True)


def level_on_q(day: datetime.date, levels: Iterable[str]) -> Q:
    """Communes whose NTM level on `day` is one of `levels` (the level rows of the ledger; no row in force: not yet)."""
    in_force_then = level_rows_on(day)
    levels = set(levels)
    matching = Q(Exists(in_force_then.filter(ntm_level__in=levels - {NtmLevel.NOT_YET})))
    if NtmLevel.NOT_YET in levels:
        matching |= ~Exists(in_force_then.exclude(ntm_level=NtmLevel.NOT_YET))
    return matching


def level_in_force(commune_id: int, day: datetime.date):
    """(the commune's NTM level on `day`, the decision that gives it, or None): the highest level among its decisions
    in force, as the ledger's level rows read. Ignores what a commune formed in 2025 inherits (no decision of its
    own carries that)."""
    decisions = Recognition.objects.filter(commune_id=commune_id).in_force_on(day).order_by("-decision_date", "-pk")
    best = max(decisions, key=lambda d: LEVEL_RANK[d.level], default=None)
    return (best.level, best) if best else (NtmLevel.NOT_YET, None)


def round_unmet_numbers(assessment_round: AssessmentRound) -> list[int]:
    """The numbers of the criteria a round does not meet, from the ledger. One query."""
    return (
        Standing.objects.filter(assessment_round=assessment_round, approved_only=False)
        .values_list("unmet_criteria", flat=True)
        .first()
        or []
    )


def round_score(assessment_round: AssessmentRound) -> tuple[int, int, list[Criterion]]:
    """(criteria met, criteria total, the criteria not met in number order) of a round: "15/19, Nhà ở dân cư, ...".

    Read from the ledger, where every round stands from its own date on. Two queries.
    """
    standing = (
        Standing.objects.filter(assessment_round=assessment_round, approved_only=False)
        .values("criteria_met", "criteria_total", "unmet_criteria")
        .first()
    )
    if standing is None:
        raise LookupError(f"Round {assessment_round.pk} is not in the progress ledger: run `manage.py rebuild_ledger`.")
    unmet = list(
        Criterion.objects.filter(
            criteria_set_id=assessment_round.criteria_set_id, number__in=standing["unmet_criteria"]
        ).order_by("number")
    )
    return standing["criteria_met"], standing["criteria_total"], unmet


def close_to_finish(communes: Iterable, criteria_total: int) -> tuple[int, list]:
    """(the criteria met from which a commune counts, the communes close to the finish most met first) of commune
    progress lines (`criteria.selectors.CommuneProgress`). The commune list shows the same communes for
    `ntm_level=not_yet&score_min=<from>` on the same date."""
    near_from = near_finish_from(criteria_total)
    near = [c for c in communes if not c.meets_standard and c.criteria_met is not None and c.criteria_met >= near_from]
    near.sort(key=lambda c: (-c.criteria_met, c.district_name or "", c.name, c.code))
    return near_from, near


# --- writing -------------------------------------------------------------------------------------------------------


def refresh_communes(commune_ids: Iterable[int]) -> None:
    """Recompute the rounds' criteria met and the standings of these communes, in the caller's transaction."""
    ids = sorted(set(commune_ids))
    if not ids:
        return
    with transaction.atomic():
        _write(ids, _Reference.load())
    _figures_changed()


def rebuild() -> int:
    """Rewrite every round's criteria met and the whole ledger from the raw rows; the number of standings written."""
    written = 0
    with transaction.atomic():
        Standing.objects.all().delete()  # a rebuild rewrites every row
        reference = _Reference.load()
        ids = list(
            AdministrativeUnit.objects.communes()
            .filter(
                Q(assessment_rounds__isnull=False) | Q(recognitions__isnull=False) | Q(predecessor_links__isnull=False)
            )
            .order_by("pk")
            .values_list("pk", flat=True)
            .distinct()
        )
        for start in range(0, len(ids), REBUILD_BATCH):
            written += _write(ids[start : start + REBUILD_BATCH], reference, deleted=True)
    if connection.vendor == "postgresql":
        # Fresh statistics after a bulk rewrite: with stale ones the planner scans every standing of a set to join a
        # province's few (measured on 8,000 communes: a province's summary 44 ms before, 22 ms after).
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE criteria_standing, criteria_assessmentround")
    _figures_changed()
    return written


def _figures_changed() -> None:
    """Cached charts and dashboard figures are computed from the ledger: they are stale once it changes."""
    invalidate_figures()


@dataclass
class _Reference:
    """The sets and their criteria numbers, read once per refresh or rebuild."""

    national_set_ids: list[int]
    province_sets: dict[int, list[int]]  # province id -> its own sets
    numbers: dict[int, dict[int, int]]  # set id -> criterion id -> number

    @classmethod
    def load(cls) -> _Reference:
        province_sets: dict[int, list[int]] = defaultdict(list)
        national = []
        for pk, province_id, level in CriteriaSet.objects.values_list("pk", "province_id", "level"):
            if province_id is not None:
                province_sets[province_id].append(pk)
            elif level == SetLevel.BASIC:
                national.append(pk)
        numbers: dict[int, dict[int, int]] = defaultdict(dict)
        for set_id, pk, number in Criterion.objects.values_list("criteria_set_id", "pk", "number"):
            numbers[set_id][pk] = number
        return cls(national, province_sets, numbers)


@dataclass
class _Round:
    pk: int
    criteria_set_id: int
    counts_from: datetime.date
    year: int
    approved: bool
    met: frozenset[int]  # criterion ids


def _write(ids: list[int], reference: _Reference, *, deleted: bool = False) -> int:
    """Compute and store the standings (and rounds' criteria met) of the communes `ids`: five reads, three writes."""
    provinces = dict(AdministrativeUnit.objects.filter(pk__in=ids).values_list("pk", "province_id"))
    met: dict[int, set[int]] = defaultdict(set)
    for round_id, criterion_id in CriterionResult.objects.filter(
        assessment_round__commune_id__in=ids, met=True
    ).values_list("assessment_round_id", "criterion_id"):
        met[round_id].add(criterion_id)
    rounds: dict[int, list[_Round]] = defaultdict(list)
    stale_counts = []
    for pk, commune_id, set_id, as_of, approved_on, year, status, stored in (
        AssessmentRound.objects.filter(commune_id__in=ids)
        .order_by("as_of", "year", "pk")
        .values_list("pk", "commune_id", "criteria_set_id", "as_of", "approved_on", "year", "status", "criteria_met")
    ):
        met_ids = frozenset(met.get(pk, ()))
        day = counts_from(as_of, approved_on)
        rounds[commune_id].append(_Round(pk, set_id, day, year, status == RoundStatus.APPROVED, met_ids))
        if stored != len(met_ids):
            stale_counts.append(AssessmentRound(pk=pk, criteria_met=len(met_ids)))
    decisions: dict[int, list[tuple[str, datetime.date, datetime.date | None]]] = defaultdict(list)
    for commune_id, level, issued, revoked in Recognition.objects.filter(commune_id__in=ids).values_list(
        "commune_id", "level", "decision_date", "revoked_on"
    ):
        decisions[commune_id].append((level, issued, revoked))
    for commune_id, inherited in _inherited_standards(ids).items():
        decisions[commune_id].append(inherited)

    standings = []
    for commune_id in ids:
        sets = {*reference.national_set_ids, *reference.province_sets.get(provinces.get(commune_id), ())}
        sets |= {r.criteria_set_id for r in rounds[commune_id]}
        standings += _chain(commune_id, None, False, [], decisions[commune_id], reference)
        for set_id in sorted(sets):
            for approved_only in (False, True):
                of_set = [
                    r for r in rounds[commune_id] if r.criteria_set_id == set_id and (r.approved or not approved_only)
                ]
                standings += _chain(commune_id, set_id, approved_only, of_set, decisions[commune_id], reference)
    if stale_counts:
        AssessmentRound.objects.bulk_update(stale_counts, ["criteria_met"], batch_size=REBUILD_BATCH)
    if not deleted:
        Standing.objects.filter(commune_id__in=ids).delete()
    Standing.objects.bulk_create(standings, batch_size=REBUILD_BATCH)
    return len(standings)


def _inherited_standards(ids: list[int]) -> dict[int, tuple[str, datetime.date, None]]:
    """For the communes formed by a merger in a province whose rule keeps the standard (MergedStanding.KEEP_IF_ALL_MET):
    the level each one inherits on its first day, as a decision of that day, when every predecessor met the standard
    the day before (the lowest of their levels). Two reads; none of it under the default rule (re-assessment)."""
    links = list(
        UnitSuccession.objects.filter(
            successor__in=ids,
            successor__valid_from__isnull=False,
            successor__province__merged_standing=MergedStanding.KEEP_IF_ALL_MET,
        ).values_list("successor_id", "successor__valid_from", "predecessor_id")
    )
    if not links:
        return {}
    predecessors: dict[int, list[tuple[str, datetime.date, datetime.date | None]]] = defaultdict(list)
    for commune_id, level, issued, revoked in Recognition.objects.filter(
        commune_id__in={predecessor for _s, _d, predecessor in links}
    ).values_list("commune_id", "level", "decision_date", "revoked_on"):
        predecessors[commune_id].append((level, issued, revoked))
    formed: dict[int, tuple[datetime.date, list[int]]] = {}
    for successor, first_day, predecessor in links:
        formed.setdefault(successor, (first_day, []))[1].append(predecessor)
    inherited = {}
    for successor, (first_day, olds) in formed.items():
        eve = first_day - datetime.timedelta(days=1)
        levels = [_level_on(predecessors[old], eve) for old in olds]
        if all(meets_standard(level) for level in levels):
            inherited[successor] = (min(levels, key=LEVEL_RANK.__getitem__), first_day, None)
    return inherited


def _level_on(decisions, day: datetime.date) -> str:
    """The highest level among the decisions in force on `day`."""
    level = NtmLevel.NOT_YET
    for decided_level, issued, revoked in decisions:
        if decision_in_force(issued, revoked, day) and LEVEL_RANK[decided_level] > LEVEL_RANK[level]:
            level = decided_level
    return level


def _chain(commune_id, set_id, approved_only, rounds: list[_Round], decisions, reference: _Reference) -> list[Standing]:
    """The commune's standings against one set (None: the level alone): a new one from every day a round of the set is
    dated, a decision is issued or one is revoked. Days before anything is known stand nowhere and get no row."""
    numbers = reference.numbers.get(set_id, {}) if set_id else {}
    days = sorted(
        {r.counts_from for r in rounds} | {d for _level, issued, revoked in decisions for d in (issued, revoked) if d}
    )
    chain: list[Standing] = []
    for day in days:
        # Rounds are in (as_of, year, pk) order: the latest one counting by then.
        latest = next((r for r in reversed(rounds) if r.counts_from <= day), None)
        level = _level_on(decisions, day)
        standard_days = [
            issued
            for decided_level, issued, revoked in decisions
            if meets_standard(decided_level) and decision_in_force(issued, revoked, day)
        ]
        if chain and chain[-1].valid_to is None:
            chain[-1].valid_to = day - datetime.timedelta(days=1)
        if latest is None and level == NtmLevel.NOT_YET:
            continue
        chain.append(
            Standing(
                commune_id=commune_id,
                criteria_set_id=set_id,
                approved_only=approved_only,
                valid_from=day,
                valid_to=None,
                assessment_round_id=latest.pk if latest else None,
                criteria_met=len(latest.met) if latest else None,
                criteria_total=len(numbers),
                unmet_criteria=sorted(n for pk, n in numbers.items() if pk not in latest.met) if latest else [],
                ntm_level=level,
                meets_standard=meets_standard(level),
                standard_since=min(standard_days, default=None),
            )
        )
    return chain
