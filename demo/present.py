"""The demo province after the reform of 1 July 2025, up to the demo's today (issue 14).

Everything here works on "the communes in force on 1 July 2025" among the demo's old communes and their successors
(`communes_after_merger`): once `communes.services.merger_2025_import` has closed the old communes and created the new
ones, those are the new communes; without it, the old communes continue unchanged. Nothing else differs.

What it writes, for each commune of that day not built yet:
- a commune formed by the merger is re-assessed on the 2021–2025 set in the autumn of 2025 (the transitional
  self-assessment the research notes recommend, reference/ntm-2026-2030-reporting-and-merger.md §5): a criterion is
  met when every predecessor met it in its last round (Điện Biên's case: income and poverty fall when a commune that
  met the standard merges with one that did not). When every predecessor met the standard on 30 June 2025, the
  province re-recognises the new commune (thừa nhận đạt chuẩn, Hà Tĩnh's 2023 precedent) in December 2025, on the
  2021–2025 set, with that round; the others wait for the new set;
- a 2026 round on the 2026–2030 set (10 criteria, QĐ 51/2025/QĐ-TTg, in force from 15/02/2026), dated 31 December
  2026, at every step of the workflow: approved ones (approved in 2026 before today, so they count from then), verified,
  submitted, returned with the province's comment per criterion (there are no districts: the province verifies), and
  drafts being entered; a few approved with all 10 met are recognised in 2026 on the new set;
- secondments and sponsor assignments running on 1 July 2025 continue on the old commune's default successor, visits,
  support and work plans after that day go to the new communes, and the province assigns its agencies to the
  group 3 communes for 2026–2030.
"""

from __future__ import annotations

import datetime
import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q, QuerySet

from communes.choices import CommuneGroup, NtmLevel, Region
from communes.models import AdministrativeUnit, Recognition
from criteria import ledger
from criteria.choices import ChangeKind, ReviewState, RoundStatus
from criteria.models import AssessmentChange, AssessmentRound, CriterionResult
from ntm_portal.choices import Role
from ntm_portal.models import User
from secondments.choices import AgencyKind, PlanItemStatus, PlanPeriod, SponsorRole, SupportKind
from secondments.models import FieldVisit, Secondment, SponsorAssignment, SupportContribution, WorkPlan, WorkPlanItem

from . import province as base

OLD_SET, NEW_SET = "ntm-2021-2025", "ntm-2026-2030"
REASSESSED_ON = datetime.date(2025, 9, 30)
NEW_ASSIGNMENT_START = datetime.date(2026, 3, 1)
# The 2026–2030 criteria from the first a commune meets to the last: planning, law and security and the political
# system are in place first; poverty, the rural economy and digital transformation come last (the 2025 reports on
# merged communes: income and multidimensional poverty fell below the thresholds).
DIFFICULTY_2026 = [1, 10, 9, 5, 2, 8, 4, 7, 3, 6]
STATUS_WEIGHTS = {
    RoundStatus.APPROVED: 45,
    RoundStatus.VERIFIED: 15,
    RoundStatus.SUBMITTED: 15,
    RoundStatus.RETURNED: 10,
    RoundStatus.DRAFT: 15,
}
REVIEW_COMMENTS = [
    "Chưa có số liệu rà soát của toàn bộ địa bàn xã mới sau sắp xếp: đề nghị xã bổ sung.",
    "Hồ sơ minh chứng chưa đầy đủ (thiếu biên bản kiểm tra thực tế): đề nghị bổ sung trước khi gửi lại.",
    "Số liệu chưa khớp với báo cáo của các phòng chuyên môn tỉnh: đề nghị xã rà soát lại.",
]


@dataclass
class PresentPlan:
    """One commune in force on 1 July 2025 and what the demo writes for it from that day to today."""

    unit: AdministrativeUnit
    rng: random.Random
    formed: bool  # created by the merger (not an old commune that continues)
    predecessors: list[int]
    met_2025: set[int]  # criteria numbers of the 2021–2025 set met in its last 2025 round
    meets_standard: bool  # on the day the 2026 rounds start: re-recognised, or its own recognition in force
    reassessment: AssessmentRound | None = None
    order: list[int] = field(default_factory=list)
    met_2026: int = 0
    status: str = RoundStatus.DRAFT
    approved_on: datetime.date | None = None
    recognised_2026: bool = False
    diligent_helpers: bool = False

    def met(self) -> list[int]:
        return self.order[: self.met_2026]

    def unmet_2025(self) -> list[int]:
        return [n for n in base.DIFFICULTY[::-1] if n not in self.met_2025]


def communes_after_merger(old_ids: list[int]) -> QuerySet[AdministrativeUnit]:
    """The demo's communes in force on 1 July 2025: the old ones that continue, and those merged from them."""
    return (
        AdministrativeUnit.objects.communes()
        .in_force_on(base.MERGER_DAY)
        .filter(Q(pk__in=old_ids) | Q(merged_from__in=old_ids))
        .distinct()
    )


def build(*, province, old_ids, successors, sets, criteria, agencies, seed, result) -> list[AdministrativeUnit]:
    after = list(communes_after_merger(old_ids).order_by("code"))
    built = set(
        AssessmentRound.objects.filter(commune__in=after, criteria_set=sets[NEW_SET]).values_list(
            "commune_id", flat=True
        )
    )
    fresh = [unit for unit in after if unit.pk not in built]
    result.communes_after_merger, result.communes_after_merger_built = len(after), len(fresh)
    plans = _plan(fresh, old_ids, sets, seed)
    if plans:
        _set_attributes(plans)
        _write_reassessments(plans, sets, criteria, result)
        _write_2026_rounds(plans, sets, criteria, result)
        ledger.refresh_communes([plan.unit.pk for plan in plans])
    _continue_secondments(successors, result)
    _continue_assignments(successors, result)
    if plans:
        assignments = _write_2026_assignments(plans, agencies, result)
        _write_activity(plans, assignments, criteria, result)
    return after


# --- plans ---------------------------------------------------------------------------------------------------------


def _plan(fresh: list[AdministrativeUnit], old_ids: list[int], sets, seed: int) -> list[PresentPlan]:
    if not fresh:
        return []
    fresh_ids = [u.pk for u in fresh]
    predecessors: dict[int, list[int]] = defaultdict(list)
    for new_id, old_id in (
        AdministrativeUnit.objects.filter(pk__in=old_ids, merged_into__in=fresh_ids)
        .order_by("code")
        .values_list("merged_into", "pk")
    ):
        predecessors[new_id].append(old_id)
    for unit in fresh:
        if unit.pk in old_ids:
            predecessors[unit.pk] = [unit.pk]  # no merger: the old commune continues
    every_old = {pk for pks in predecessors.values() for pk in pks}
    met_2025: dict[int, set[int]] = defaultdict(set)
    for commune_id, number in CriterionResult.objects.filter(
        assessment_round__commune_id__in=every_old,
        assessment_round__year=2025,
        assessment_round__criteria_set=sets[OLD_SET],
        met=True,
    ).values_list("assessment_round__commune_id", "criterion__number"):
        met_2025[commune_id].add(number)
    standard = set(
        Recognition.objects.in_force_on(base.OLD_LAST_DAY)
        .filter(commune_id__in=every_old, level__in=ledger.STANDARD_LEVELS)
        .values_list("commune_id", flat=True)
    )

    plans = []
    for unit in fresh:
        pks = predecessors[unit.pk]
        rng = random.Random(f"{seed}-{unit.code}-after-2025")
        # A criterion is met by the merged commune when every predecessor met it.
        met = set.intersection(*(met_2025[pk] for pk in pks)) if pks else set()
        plan = PresentPlan(
            unit=unit,
            rng=rng,
            formed=unit.pk not in old_ids,
            predecessors=pks,
            met_2025=met,
            meets_standard=bool(pks) and all(pk in standard for pk in pks),
            diligent_helpers=rng.random() < 0.6,
        )
        plan.order = sorted(range(1, 11), key=lambda n: DIFFICULTY_2026.index(n) + rng.gauss(0, 1.5))
        # The new set is harder: a commune keeps about its share of the 19 criteria, less a few.
        penalty = rng.choice([0, 0, 1, 1, 2]) if plan.meets_standard else rng.choice([0, 1, 1, 2, 2, 3])
        plan.met_2026 = max(1, min(10, round(len(met) * 10 / 19) - penalty))
        plan.status = rng.choices(list(STATUS_WEIGHTS), weights=list(STATUS_WEIGHTS.values()))[0]
        if plan.status == RoundStatus.APPROVED:
            plan.approved_on = datetime.date(2026, 4, 15) + datetime.timedelta(days=rng.randint(0, 220))
        plans.append(plan)
    _spread_statuses(plans)
    _choose_recognised_2026(plans)
    return plans


def _spread_statuses(plans: list[PresentPlan]) -> None:
    """Every step of the workflow appears once there are enough communes: a missing status takes the place of an
    approved round (the commonest), the latest in code order first."""
    if len(plans) < 2 * len(STATUS_WEIGHTS):
        return
    counts = Counter(plan.status for plan in plans)
    for status in STATUS_WEIGHTS:
        if counts[status]:
            continue
        donor = next(
            p for p in reversed(plans) if p.status == RoundStatus.APPROVED and counts[RoundStatus.APPROVED] > 1
        )
        donor.status, donor.approved_on = status, None
        counts[status] += 1
        counts[RoundStatus.APPROVED] -= 1


def _choose_recognised_2026(plans: list[PresentPlan]) -> None:
    """A few approved communes, the nearest to it, meet all 10 criteria and are recognised on the new set in 2026; the
    others with 10 met wait for the decision."""
    approved = sorted((p for p in plans if p.status == RoundStatus.APPROVED), key=lambda p: (-p.met_2026, p.unit.code))
    for plan in approved[: max(1, min(3, len(approved) // 4))]:
        plan.met_2026, plan.recognised_2026 = 10, True


def _set_attributes(plans: list[PresentPlan]) -> None:
    """A new commune's region, commune group (QĐ 51/2025: group 3 for the ethnic-minority and mountain communes, as
    its Định Hóa and Võ Nhai predecessors were) and flags come from its predecessors."""
    formed = [p for p in plans if p.formed]
    attributes = {
        u.pk: u
        for u in AdministrativeUnit.objects.filter(pk__in={pk for p in formed for pk in p.predecessors}).only(
            "commune_group", "especially_disadvantaged", "designated_special"
        )
    }
    for plan in formed:
        unit, predecessors = plan.unit, [attributes[pk] for pk in plan.predecessors]
        groups = Counter(p.commune_group for p in predecessors if p.commune_group)
        unit.region = Region.NORTHERN_MIDLANDS_MOUNTAINS
        if CommuneGroup.ETHNIC_MOUNTAIN in groups:
            unit.commune_group = CommuneGroup.ETHNIC_MOUNTAIN
        else:
            unit.commune_group = min(groups, key=lambda g: (-groups[g], g)) if groups else CommuneGroup.GENERAL
        unit.especially_disadvantaged = any(p.especially_disadvantaged for p in predecessors)
        unit.designated_special = any(p.designated_special for p in predecessors)
        unit.target_year = 2025 if plan.meets_standard else 2026 + plan.rng.randint(0, 4)
    AdministrativeUnit.objects.bulk_update(
        [p.unit for p in formed],
        ["region", "commune_group", "especially_disadvantaged", "designated_special", "target_year"],
        batch_size=500,
    )


# --- rounds and recognitions ---------------------------------------------------------------------------------------


# A verified or approved round had every criterion verified with it.
REVIEWED_WITH_ROUND = {RoundStatus.VERIFIED: ReviewState.VERIFIED, RoundStatus.APPROVED: ReviewState.VERIFIED}


def _results(assessment_round, criteria_of_set, met: set[int], unassessed: set[int] = frozenset()):
    return [
        CriterionResult(
            assessment_round=assessment_round,
            criterion=criterion,
            met=None if number in unassessed else number in met,
            assessed_as_whole=not criterion.demo_indicators,
            review_state=REVIEWED_WITH_ROUND.get(assessment_round.status, ReviewState.PENDING),
        )
        for number, criterion in criteria_of_set.items()
    ]


def _write_reassessments(plans: list[PresentPlan], sets, criteria, result) -> None:
    """The autumn 2025 re-assessment of every commune the merger formed, on the 2021–2025 set, and the province's
    re-recognition of those whose predecessors all met the standard (thừa nhận đạt chuẩn)."""
    formed = [p for p in plans if p.formed]
    for plan in formed:
        approved_on = REASSESSED_ON + datetime.timedelta(days=plan.rng.randint(10, 40))
        plan.reassessment = AssessmentRound(
            commune=plan.unit,
            criteria_set=sets[OLD_SET],
            year=2025,
            as_of=REASSESSED_ON,
            status=RoundStatus.APPROVED,
            approved_on=approved_on,
        )
    AssessmentRound.objects.bulk_create([p.reassessment for p in formed], batch_size=1000)
    results = [r for p in formed for r in _results(p.reassessment, criteria[OLD_SET], p.met_2025)]
    CriterionResult.objects.bulk_create(results, batch_size=5000)
    recognitions = [
        Recognition(
            commune=p.unit,
            level=NtmLevel.STANDARD,
            year=2025,
            decision_number=f"{p.rng.randint(3000, 4999)}/QĐ-UBND",
            decision_date=datetime.date(2025, 12, 10) + datetime.timedelta(days=p.rng.randint(0, 18)),
            signer="Chủ tịch UBND tỉnh",
            criteria_set=sets[OLD_SET],
            assessment_round=p.reassessment,
        )
        for p in formed
        if p.meets_standard and len(p.met_2025) == len(criteria[OLD_SET])
    ]
    Recognition.objects.bulk_create(recognitions)
    result.reassessments += len(formed)
    result.rerecognitions += len(recognitions)
    result.rounds += len(formed)
    result.criterion_results += len(results)
    for recognition in recognitions:
        recognition.commune.recognition, recognition.commune.ntm_level = recognition, NtmLevel.STANDARD


def _write_2026_rounds(plans: list[PresentPlan], sets, criteria, result) -> None:
    coordinator = User.objects.filter(role=Role.PROVINCE_COORDINATOR, username="vpdp_tinh").first()
    rounds = [
        AssessmentRound(
            commune=p.unit,
            criteria_set=sets[NEW_SET],
            year=2026,
            as_of=datetime.date(2026, 12, 31),
            status=p.status,
            approved_on=p.approved_on,
        )
        for p in plans
    ]
    AssessmentRound.objects.bulk_create(rounds, batch_size=1000)
    results, changes, recognitions = [], [], []
    for plan, assessment_round in zip(plans, rounds, strict=True):
        met = set(plan.met())
        # A draft is being entered: its last criteria are not assessed yet.
        unassessed = set(plan.order[-plan.rng.randint(1, 3) :]) if plan.status == RoundStatus.DRAFT else set()
        round_results = _results(assessment_round, criteria[NEW_SET], met, unassessed - met)
        if plan.status == RoundStatus.RETURNED:
            changes += _return_with_comments(plan, assessment_round, round_results, coordinator)
        results += round_results
        result.rounds_2026[plan.status] += 1
        if plan.recognised_2026:
            day = min(plan.approved_on + datetime.timedelta(days=plan.rng.randint(7, 20)), base.DEMO_TODAY)
            recognitions.append(
                Recognition(
                    commune=plan.unit,
                    level=NtmLevel.STANDARD,
                    year=2026,
                    decision_number=f"{plan.rng.randint(100, 2999)}/QĐ-UBND",
                    decision_date=day,
                    signer="Chủ tịch UBND tỉnh",
                    criteria_set=sets[NEW_SET],
                    assessment_round=assessment_round,
                )
            )
    CriterionResult.objects.bulk_create(results, batch_size=5000)
    AssessmentChange.objects.bulk_create(changes, batch_size=1000)
    Recognition.objects.bulk_create(recognitions)
    result.rounds += len(rounds)
    result.criterion_results += len(results)
    result.recognitions_2026 += len(recognitions)
    for recognition in recognitions:
        recognition.commune.recognition, recognition.commune.ntm_level = recognition, NtmLevel.STANDARD
    # A formed commune starts not yet recognised (until the province decides); the others change when recognised.
    AdministrativeUnit.objects.bulk_update(
        [p.unit for p in plans if p.formed or p.recognised_2026], ["recognition", "ntm_level"], batch_size=500
    )


def _return_with_comments(plan, assessment_round, round_results, coordinator) -> list[AssessmentChange]:
    """What criteria.services.assessment.round_return_to_commune writes: a comment on one or two criteria the
    commune claims, and the log of the state change and of each comment (by the province: there are no districts)."""
    day = datetime.datetime(2026, 10, 1, 9, tzinfo=datetime.UTC) + datetime.timedelta(days=plan.rng.randint(0, 60))
    claimed = [r for r in round_results if r.met] or round_results
    changes = [
        AssessmentChange(
            assessment_round=assessment_round,
            commune=plan.unit,
            changed_at=day,
            changed_by=coordinator,
            kind=ChangeKind.STATE,
            field="status",
            old_value=RoundStatus.SUBMITTED,
            new_value=RoundStatus.RETURNED,
            comment="Trả lại xã để bổ sung, hoàn thiện hồ sơ.",
        )
    ]
    for commented in plan.rng.sample(claimed, min(len(claimed), plan.rng.randint(1, 2))):
        commented.review_comment = plan.rng.choice(REVIEW_COMMENTS)
        commented.review_state = ReviewState.RETURNED
        changes.append(
            AssessmentChange(
                assessment_round=assessment_round,
                commune=plan.unit,
                changed_at=day,
                changed_by=coordinator,
                kind=ChangeKind.REVIEW,
                criterion=commented.criterion,
                field="review_comment",
                old_value="",
                new_value=commented.review_comment,
            )
        )
    return changes


# --- secondments, sponsors and their activity ----------------------------------------------------------------------


def _continue_secondments(successors: dict[int, int], result) -> None:
    """A secondment running on 1 July 2025 ends with its old commune on 30 June and continues on the commune's default
    successor from 1 July, under the same decision: two records rather than one moved, so that each commune keeps
    its own criteria count at the cadre's arrival and departure, and the old commune's history stays true."""
    running = list(
        Secondment.objects.in_force_on(base.OLD_LAST_DAY)
        .in_force_on(base.MERGER_DAY)
        .filter(commune_id__in=[old for old, new in successors.items() if old != new])
    )
    if not running:
        return
    met = _criteria_met_on(base.OLD_LAST_DAY, [s.commune_id for s in running])
    met_new = _criteria_met_on(
        base.MERGER_DAY + datetime.timedelta(days=120), [successors[s.commune_id] for s in running]
    )
    continuations = []
    for secondment in running:
        old_commune = secondment.commune
        secondment.actual_end_date, secondment.criteria_met_at_end = base.OLD_LAST_DAY, met.get(old_commune.pk)
        continuations.append(
            Secondment(
                cadre_id=secondment.cadre_id,
                commune_id=successors[old_commune.pk],
                batch_id=secondment.batch_id,
                kind=secondment.kind,
                role_at_commune=secondment.role_at_commune,
                decided_by=secondment.decided_by,
                decision_number=secondment.decision_number,
                decision_date=secondment.decision_date,
                start_date=base.MERGER_DAY,
                planned_end_date=secondment.planned_end_date,
                criteria_met_at_start=met_new.get(successors[old_commune.pk]),
                note=f"Tiếp tục nhiệm vụ tại xã mới sau sắp xếp đơn vị hành chính (trước 01/07/2025: {old_commune}).",
            )
        )
    Secondment.objects.bulk_update(running, ["actual_end_date", "criteria_met_at_end"])
    Secondment.objects.bulk_create(continuations)
    result.secondments += len(continuations)


def _criteria_met_on(day: datetime.date, commune_ids: list[int]) -> dict[int, int]:
    """Criteria of the 2021–2025 set met by each commune on `day` (the ledger's standing)."""
    criteria_set = ledger.set_in_force(2025)
    communes = ledger.with_standing(
        AdministrativeUnit.objects.filter(pk__in=commune_ids), criteria_set=criteria_set, day=day, with_round=False
    )
    return {pk: met for pk, met in communes.values_list("pk", "criteria_met") if met is not None}


def _continue_assignments(successors: dict[int, int], result) -> None:
    """Sponsor assignments running on 1 July 2025 end with the old commune and continue on its default successor
    (one per agency when several predecessors had the same one), under the same decision."""
    running = list(
        SponsorAssignment.objects.in_force_on(base.OLD_LAST_DAY)
        .in_force_on(base.MERGER_DAY)
        .filter(commune_id__in=[old for old, new in successors.items() if old != new])
        .order_by("pk")
    )
    if not running:
        return
    existing = set(SponsorAssignment.objects.filter(start_date=base.MERGER_DAY).values_list("agency_id", "commune_id"))
    continuations = []
    for assignment in running:
        assignment.end_date = base.OLD_LAST_DAY
        key = (assignment.agency_id, successors[assignment.commune_id])
        if key in existing:
            continue
        existing.add(key)
        continuations.append(
            SponsorAssignment(
                agency_id=assignment.agency_id,
                commune_id=key[1],
                role=assignment.role,
                decided_by=assignment.decided_by,
                decision_number=assignment.decision_number,
                decision_date=assignment.decision_date,
                start_date=base.MERGER_DAY,
            )
        )
    SponsorAssignment.objects.bulk_update(running, ["end_date"])
    SponsorAssignment.objects.bulk_create(continuations)
    result.assignments += len(continuations)


def _write_2026_assignments(plans: list[PresentPlan], agencies, result) -> list[SponsorAssignment]:
    """The province assigns an agency to each group 3 or especially disadvantaged commune without one for 2026–2030;
    the persona liaison's agency (Sở NN&PTNT) keeps Phú Đình, as before the reform."""
    departments = agencies["departments"]
    covered = set(
        SponsorAssignment.objects.in_force_on(NEW_ASSIGNMENT_START)
        .filter(commune__in=[p.unit for p in plans], role=SponsorRole.RESPONSIBLE)
        .values_list("commune_id", flat=True)
    )
    assignments = []
    for plan in plans:
        unit = plan.unit
        needy = unit.commune_group == CommuneGroup.ETHNIC_MOUNTAIN or unit.especially_disadvantaged
        if not needy or unit.pk in covered:
            continue
        agency = departments[0] if unit.name == base.SEED_COMMUNE else plan.rng.choice(departments)
        assignments.append(
            SponsorAssignment(
                agency=agency,
                commune=unit,
                role=SponsorRole.RESPONSIBLE,
                decided_by="UBND tỉnh",
                decision_number="412/QĐ-UBND",
                decision_date=datetime.date(2026, 2, 24),
                start_date=NEW_ASSIGNMENT_START,
                end_date=datetime.date(2030, 12, 31),
            )
        )
    SponsorAssignment.objects.bulk_create(assignments)
    result.assignments += len(assignments)
    return assignments


def _write_activity(plans: list[PresentPlan], new_assignments, criteria, result) -> None:
    """Visits and support from 1 July 2025 to today, and 2026 work plans, for every assignment in force then on the
    communes of that day."""
    by_commune = {p.unit.pk: p for p in plans}
    in_force = list(
        SponsorAssignment.objects.in_force_during(base.MERGER_DAY, base.DEMO_TODAY)
        .filter(commune_id__in=by_commune)
        .select_related("agency")
        .order_by("commune__code", "pk")
    )
    visits, visit_criteria, contributions, items = [], [], [], []
    for assignment in in_force:
        plan = by_commune[assignment.commune_id]
        rng = plan.rng
        diligent = plan.diligent_helpers and assignment.agency.kind != AgencyKind.ENTERPRISE
        first = max(assignment.start_date, base.MERGER_DAY)
        last = min(assignment.end_date or base.DEMO_TODAY, base.DEMO_TODAY)
        # Half-years from the reform to today: the 2021–2025 set until the new one is in force.
        for start, end, set_code, unmet in (
            (datetime.date(2025, 7, 1), datetime.date(2025, 12, 31), OLD_SET, plan.unmet_2025()),
            (datetime.date(2026, 1, 1), datetime.date(2026, 6, 30), NEW_SET, plan.order[plan.met_2026 :]),
            (datetime.date(2026, 7, 1), base.DEMO_TODAY, NEW_SET, plan.order[plan.met_2026 :]),
        ):
            start, end = max(start, first), min(end, last)
            if start > end:
                continue
            span = (end - start).days
            for _ in range(rng.randint(3, 6) if diligent else rng.randint(0, 2)):
                days = Decimal(rng.choice([1, 1, 2])) if diligent else Decimal("0.5")
                visits.append(
                    FieldVisit(
                        agency=assignment.agency,
                        commune=plan.unit,
                        visit_date=start + datetime.timedelta(days=rng.randint(0, span)),
                        days_on_site=days,
                        hours_on_site=days * 8 if diligent else Decimal(rng.choice([2, 3, 4])),
                        participants=f"Đoàn công tác {assignment.agency}",
                        activities=rng.choice(base.VISIT_ACTIVITIES),
                        party_cell_meetings=rng.randint(0, 2) if diligent else 0,
                    )
                )
                visit_criteria.append([criteria[set_code][n] for n in unmet[:2]])
            kind = rng.choice(list(SupportKind))
            contributions.append(
                SupportContribution(
                    giver=assignment.agency,
                    commune=plan.unit,
                    date=start + datetime.timedelta(days=rng.randint(0, span)),
                    kind=kind,
                    value_vnd=rng.randint(20, 900) * 1_000_000,
                    description=base.SUPPORT_DESCRIPTIONS[kind],
                    criterion=criteria[set_code][unmet[0]] if unmet else None,
                )
            )
        if (assignment.end_date or base.DEMO_TODAY) >= datetime.date(2026, 1, 1):
            work_plan = WorkPlan.objects.create(
                assignment=assignment, year=2026, title=f"Kế hoạch giúp đỡ {plan.unit.name} năm 2026"
            )
            for quarter in range(1, 5):
                due = datetime.date(2026, quarter * 3, 28)
                done = due < base.DEMO_TODAY and rng.random() < (0.8 if diligent else 0.35)
                unmet = plan.order[plan.met_2026 :] or plan.order
                items.append(
                    WorkPlanItem(
                        work_plan=work_plan,
                        period=PlanPeriod.QUARTER,
                        period_number=quarter,
                        title=rng.choice(base.PLAN_ITEMS),
                        due_date=due,
                        criterion=criteria[NEW_SET][rng.choice(unmet)],
                        status=PlanItemStatus.DONE if done else PlanItemStatus.OPEN,
                        done_on=due - datetime.timedelta(days=rng.randint(0, 20)) if done else None,
                    )
                )
    base.write_visits(visits, visit_criteria)
    SupportContribution.objects.bulk_create(contributions, batch_size=2000)
    WorkPlanItem.objects.bulk_create(items, batch_size=2000)
    result.field_visits += len(visits)
    result.contributions += len(contributions)
