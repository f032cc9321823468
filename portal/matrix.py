"""The communes × criteria matrix (issue 7): one mark per commune and criterion, in a fixed number of queries whatever
the number of rows (DESIGN §5). Scores come from criteria.selectors.commune_progress_list, as everywhere else."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass

from communes.models import AdministrativeUnit
from criteria.models import CriteriaSet, CriterionResult
from criteria.selectors import CommuneProgress, commune_progress_list

# --- the communes × criteria matrix --------------------------------------------------------------------------------

MET, NOT_MET, NOT_ASSESSED = True, False, None


@dataclass(frozen=True)
class MatrixRow:
    progress: CommuneProgress
    marks: tuple[bool | None, ...]  # one per criterion, in number order: MET, NOT_MET or NOT_ASSESSED

    @property
    def score(self) -> int:
        """For sorting: criteria met, and -1 for a commune without a round (below every assessed commune)."""
        met = self.progress.criteria_met
        return -1 if met is None else met


@dataclass(frozen=True)
class CriteriaMatrix:
    unit: AdministrativeUnit
    as_of: datetime.date
    criteria_set: CriteriaSet | None
    criteria: list[tuple[int, int, str]]  # (pk, number, name) in number order
    rows: list[MatrixRow]  # in code order
    communes_meeting: list[int]  # per criterion, the communes meeting it
    communes_assessed: int


def commune_criteria_matrix(
    *, user, unit: AdministrativeUnit, as_of: datetime.date, criteria_set: CriteriaSet | None
) -> CriteriaMatrix:
    """Every commune of `unit` the user sees, one mark per criterion of the set, as of a date.

    A criterion is MET when its result in the commune's latest round is met, NOT_MET when the result says not met,
    NOT_ASSESSED when the round has no answer for it yet or the commune has no round of the set by `as_of`.
    Queries: the set's criteria, the communes the user sees in the unit, commune_progress_list's three (the set's
    criteria, the annotated communes, their rounds with the met results), and the not-met results of those rounds.
    """
    criteria = []
    if criteria_set is not None:
        criteria = list(criteria_set.criteria.order_by("number").values_list("pk", "number", "name"))
    visible = set(AdministrativeUnit.objects.communes().within(unit).visible_to(user).values_list("pk", flat=True))
    progress = [
        item
        for item in commune_progress_list(unit=unit, as_of=as_of, criteria_set=criteria_set)
        if item.commune_id in visible
    ]
    round_ids = [item.round_id for item in progress if item.round_id is not None]
    number_of = {pk: number for pk, number, _name in criteria}
    not_met: dict[int, set[int]] = defaultdict(set)
    if round_ids:
        rows = CriterionResult.objects.filter(assessment_round_id__in=round_ids, met=False).values_list(
            "assessment_round_id", "criterion_id"
        )
        for round_id, criterion_id in rows.order_by():
            if criterion_id in number_of:
                not_met[round_id].add(number_of[criterion_id])

    numbers = [number for _pk, number, _name in criteria]
    communes_meeting = [0] * len(numbers)
    rows_out = []
    for item in progress:
        if item.round_id is None:
            marks = (NOT_ASSESSED,) * len(numbers)
        else:
            unmet = {number for number, _name in item.unmet_criteria}
            said_no = not_met.get(item.round_id, set())
            marks = tuple(
                MET if number not in unmet else NOT_MET if number in said_no else NOT_ASSESSED for number in numbers
            )
        for index, mark in enumerate(marks):
            if mark is MET:
                communes_meeting[index] += 1
        rows_out.append(MatrixRow(progress=item, marks=marks))
    return CriteriaMatrix(
        unit=unit,
        as_of=as_of,
        criteria_set=criteria_set,
        criteria=criteria,
        rows=rows_out,
        communes_meeting=communes_meeting,
        communes_assessed=sum(1 for item in progress if item.criteria_met is not None),
    )
