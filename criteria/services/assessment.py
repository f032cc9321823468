"""The assessment workflow's services: a commune opens a round and enters its values and evidence, the district
verifies (thẩm tra) each criterion, the province approves (thẩm định) and records or revokes the recognition decision.

Which transition may be taken by whom, from which state and with what input is the table in
criteria.services.transitions; each function here is one transition or one write, as the views and the API call it.
Every function checks permission (role and unit) first, then the round's state; every change of a value or a state is
written to AssessmentChange in the same transaction, and every change bumps `version`, so that a save based on an
older version is refused with the name of whoever changed the round in between.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from communes.choices import NtmLevel, Region
from communes.models import AdministrativeUnit, Recognition
from ntm_portal import files
from ntm_portal.access import AccessDenied, Action, require
from ntm_portal.errors import Conflict

from .. import ledger
from ..choices import ChangeKind, Comparison, ReviewState, RoundStatus, TargetScheme
from ..models import (
    AssessmentChange,
    AssessmentRound,
    CriteriaSet,
    Criterion,
    CriterionResult,
    EvidenceFile,
    Indicator,
    IndicatorValue,
)
from . import transitions
from .transitions import (
    EDITABLE_STATES,
    ConcurrentEdit,
    IllegalTransition,
    InvalidValue,
    ReviewInput,
    WorkflowError,
    bump,
    lock,
)
from .transitions import log as log_change

logger = logging.getLogger(__name__)

NUMBER_PLACES = Decimal("0.01")  # IndicatorValue.value_number's decimal_places


class NeedsConfirmation(WorkflowError, Conflict):
    """Allowed only when the user confirms it and gives a reason (a lower or repeated recognition decision)."""

    code = "needs_confirmation"


# AccessDenied lives with the access rules, the transitions' errors with their table; re-exported so that callers
# catch one family of errors from here.
__all__ = [
    "AccessDenied",
    "ConcurrentEdit",
    "IllegalTransition",
    "InvalidValue",
    "NeedsConfirmation",
    "ReviewInput",
    "WorkflowError",
]


@dataclass
class IndicatorInput:
    value_number: Decimal | None = None
    value_bool: bool | None = None
    note: str = ""


@dataclass
class CriterionInput:
    met: bool | None = None  # only for criteria assessed as a whole (no indicators recorded)
    note: str = ""


@dataclass
class SaveResult:
    changes: int
    version: int
    messages: list[str] = field(default_factory=list)


# --- reading the round -----------------------------------------------------------------------------------------


def applicable_threshold(indicator: Indicator, commune: AdministrativeUnit) -> Decimal | None:
    """The target that applies to this commune: its region's or group's, else the general one.

    QĐ 318/QĐ-TTg: especially disadvantaged communes use the northern midlands and mountains targets.
    Uses `indicator.targets.all()`, so prefetch targets when calling it for many indicators.
    """
    targets = list(indicator.targets.all())
    scheme = indicator.criterion.criteria_set.target_scheme
    if scheme == TargetScheme.COMMUNE_GROUP:
        specific = next((t for t in targets if t.commune_group and t.commune_group == commune.commune_group), None)
    else:
        region = Region.NORTHERN_MIDLANDS_MOUNTAINS if commune.especially_disadvantaged else commune.region
        specific = next((t for t in targets if region and t.region == region), None)
    general = next((t for t in targets if not t.region and t.commune_group is None), None)
    chosen = specific if specific and specific.threshold is not None else general
    return chosen.threshold if chosen else None


def indicator_met(indicator: Indicator, commune: AdministrativeUnit, value: IndicatorValue) -> bool | None:
    """Whether a value meets its target; None when there is no value or no known target."""
    if indicator.comparison == Comparison.YES_NO:
        return value.value_bool
    threshold = applicable_threshold(indicator, commune)
    if value.value_number is None or threshold is None:
        return None
    if indicator.comparison in (Comparison.AT_LEAST, Comparison.PERCENT_AT_LEAST):
        return value.value_number >= threshold
    return value.value_number <= threshold


def criterion_met(indicator_states: list[bool | None]) -> bool | None:
    """A criterion with recorded indicators: met when all of them meet their targets, not met when one does not,
    unknown otherwise."""
    if False in indicator_states:
        return False
    return True if all(state is True for state in indicator_states) else None


def _criteria_of(criteria_set: CriteriaSet) -> list[Criterion]:
    return list(
        Criterion.objects.filter(criteria_set=criteria_set)
        .select_related("criteria_set")
        .prefetch_related("indicators__targets", "indicators__criterion__criteria_set")
        .order_by("number")
    )


# --- writes ------------------------------------------------------------------------------------------------------


def _parse_number(value) -> Decimal | None:
    """A number from a form, an import or the API; ValidationError with a Vietnamese message if it is not one.

    Django's own message for a non-number has no Vietnamese translation, and the model's clean() would compare the
    raw text with its limits, so the value is parsed here first.
    """
    if value is None or value == "":
        return None
    if isinstance(value, bool):  # True is an int in Python, but not a number anyone meant
        raise ValidationError(_("Chỉ tiêu này nhận giá trị số."))
    try:
        number = Decimal(str(value).strip()) if isinstance(value, str | int | float) else Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        number = None
    if number is None or not number.is_finite():
        raise ValidationError(_("“%(value)s” không phải là một số (phần thập phân dùng dấu chấm).") % {"value": value})
    return number


def _parse_yes_no(value) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    raise ValidationError(_("Chỉ tiêu này chỉ nhận giá trị Đạt / Chưa đạt."))


def _json(value):
    """Audit values as JSON: decimals as strings so that 80.50 stays 80.50."""
    if isinstance(value, Decimal):
        return str(value)
    return value


@transaction.atomic
def round_start(
    *,
    user,
    commune: AdministrativeUnit,
    year: int,
    criteria_set: CriteriaSet | None = None,
    as_of: datetime.date | None = None,
) -> AssessmentRound:
    """Open a draft round for a commune and year, with one (not yet assessed) result per criterion."""
    require(user, Action.EDIT, commune)
    this_year = timezone.localdate().year
    if year > this_year:
        # A round for a year still ahead would headline the commune page over the approved result of today.
        raise InvalidValue(
            {"year": _("Năm %(year)s chưa đến: chỉ mở kỳ đánh giá đến năm %(now)s.") % {"year": year, "now": this_year}}
        )
    if criteria_set is None:
        criteria_set = ledger.set_in_force(year)
        if criteria_set is None:
            raise InvalidValue(
                {"year": _("Không có bộ tiêu chí quốc gia nào áp dụng cho năm %(year)s.") % {"year": year}}
            )
    if AssessmentRound.objects.filter(commune=commune, criteria_set=criteria_set, year=year).exists():
        raise IllegalTransition(_("%(commune)s đã có kỳ đánh giá năm %(year)s.") % {"commune": commune, "year": year})
    assessment_round = AssessmentRound(
        commune=commune, criteria_set=criteria_set, year=year, as_of=as_of or datetime.date(year, 12, 31)
    )
    try:
        assessment_round.full_clean()
    except ValidationError as error:
        raise InvalidValue({k: " ".join(v) for k, v in error.message_dict.items()}) from error
    assessment_round.save()
    CriterionResult.objects.bulk_create(
        [CriterionResult(assessment_round=assessment_round, criterion=c, met=None) for c in _criteria_of(criteria_set)]
    )
    log_change(assessment_round, user, ChangeKind.CREATED, "status", None, RoundStatus.DRAFT).save()
    ledger.refresh_communes([commune.pk])
    return assessment_round


@transaction.atomic
def round_save(
    *,
    user,
    assessment_round: AssessmentRound,
    expected_version: int,
    indicators: dict[int, IndicatorInput] | None = None,
    criteria: dict[int, CriterionInput] | None = None,
) -> SaveResult:
    """Save values: `indicators` by indicator id, `criteria` (assessed as a whole) by criterion id.

    Recomputes whether each indicator meets the commune's target and whether each criterion is met: a criterion
    with recorded indicators is met when all of them meet their targets. All or nothing: one invalid value and
    nothing is saved.
    """
    require(user, Action.EDIT, assessment_round.commune)
    current = lock(assessment_round, expected_version)
    if current.status not in EDITABLE_STATES:
        raise IllegalTransition(
            _("Kỳ đánh giá đang ở trạng thái “%(status)s”: chỉ sửa được khi đang nhập hoặc bị trả lại.")
            % {"status": current.get_status_display()}
        )
    indicators, criteria = indicators or {}, criteria or {}
    commune = current.commune
    criteria_by_id = {c.pk: c for c in _criteria_of(current.criteria_set)}
    indicator_by_id = {i.pk: i for c in criteria_by_id.values() for i in c.indicators.all()}
    errors = {}
    for indicator_id in indicators:
        if indicator_id not in indicator_by_id:
            errors[f"indicator:{indicator_id}"] = _("Chỉ tiêu không thuộc bộ tiêu chí của kỳ đánh giá.")
    for criterion_id in criteria:
        if criterion_id not in criteria_by_id:
            errors[f"criterion:{criterion_id}"] = _("Tiêu chí không thuộc bộ tiêu chí của kỳ đánh giá.")
    if errors:
        raise InvalidValue(errors)

    values = {v.indicator_id: v for v in current.indicator_values.all()}
    results = {r.criterion_id: r for r in current.criterion_results.all()}
    log, changed_values, new_values, changed_results = [], [], [], []
    for indicator_id, given in indicators.items():
        indicator = indicator_by_id[indicator_id]
        value = values.get(indicator_id) or IndicatorValue(assessment_round=current, indicator=indicator)
        before = {"value_number": _json(value.value_number), "value_bool": value.value_bool, "note": value.note}
        try:
            value.value_number = _parse_number(given.value_number)
            value.value_bool = _parse_yes_no(given.value_bool)
            value.note = given.note
            value.full_clean(exclude=["assessment_round", "indicator"])
        except ValidationError as error:
            errors[indicator.code] = " ".join(error.messages)
            continue
        if value.value_number is not None:
            # As the database returns it (2 places), so that saving 85 over 85.00 is no change and the log says 85.00.
            value.value_number = value.value_number.quantize(NUMBER_PLACES)
        value.met = indicator_met(indicator, commune, value)
        after = {"value_number": _json(value.value_number), "value_bool": value.value_bool, "note": value.note}
        for name in after:
            if before[name] != after[name]:
                log.append(
                    log_change(
                        current,
                        user,
                        ChangeKind.INDICATOR,
                        name,
                        before[name],
                        after[name],
                        indicator=indicator,
                        criterion=indicator.criterion,
                    )
                )
        (new_values if value.pk is None else changed_values).append(value)
        values[indicator_id] = value
    if errors:
        raise InvalidValue(errors)

    retouched = {entry.criterion_id for entry in log}  # criteria whose indicator values changed
    for criterion in criteria_by_id.values():
        result = results.get(criterion.pk) or CriterionResult(assessment_round=current, criterion=criterion)
        before = {"met": result.met, "note": result.note}
        given = criteria.get(criterion.pk)
        own_indicators = list(criterion.indicators.all())
        # Entered indicator values decide; until there are any, a criterion is assessed as a whole and its answer
        # stands until the commune changes it (a save of other criteria must not wipe it).
        if own_indicators and any(i.pk in values for i in own_indicators):
            result.met = criterion_met([values[i.pk].met if i.pk in values else None for i in own_indicators])
            result.assessed_as_whole = False
        elif given is not None:
            result.met, result.assessed_as_whole = given.met, True
        if given is not None:
            result.note = given.note
        touched = before != {"met": result.met, "note": result.note} or criterion.pk in retouched
        if touched or result.pk is None:
            for name in ("met", "note"):
                if before[name] != getattr(result, name):
                    log.append(
                        log_change(
                            current,
                            user,
                            ChangeKind.CRITERION,
                            name,
                            before[name],
                            getattr(result, name),
                            criterion=criterion,
                        )
                    )
            if touched and result.review_state == ReviewState.VERIFIED:
                # What the verifier checked has changed: it is up for verification again.
                log.append(
                    log_change(
                        current,
                        user,
                        ChangeKind.REVIEW,
                        "review_state",
                        result.review_state,
                        ReviewState.PENDING,
                        criterion=criterion,
                    )
                )
                result.review_state = ReviewState.PENDING
            changed_results.append(result)

    IndicatorValue.objects.bulk_create(new_values)
    IndicatorValue.objects.bulk_update(changed_values, ["value_number", "value_bool", "note", "met"])
    CriterionResult.objects.bulk_create([r for r in changed_results if r.pk is None])
    CriterionResult.objects.bulk_update(
        [r for r in changed_results if r.pk], ["met", "note", "assessed_as_whole", "review_state"]
    )
    AssessmentChange.objects.bulk_create(log)
    if changed_results:
        ledger.refresh_communes([current.commune_id])
    version = bump(current) if log else current.version
    assessment_round.version = version
    return SaveResult(changes=len(log), version=version)


# --- transitions: one function each, all read from the table in criteria.services.transitions ----------------------


def round_submit(*, user, assessment_round: AssessmentRound, expected_version: int | None = None) -> AssessmentRound:
    """The commune sends its self-assessment for verification."""
    return transitions.apply("submit", user=user, assessment_round=assessment_round, expected_version=expected_version)


def round_review(
    *,
    user,
    assessment_round: AssessmentRound,
    reviews: dict[int, ReviewInput],
    comment: str = "",
    expected_version: int | None = None,
) -> AssessmentRound:
    """Thẩm tra từng tiêu chí: the district (or a province without districts) marks criteria verified or returned,
    with comments; the round is verified when every criterion is, returned when any is."""
    return transitions.apply(
        "review",
        user=user,
        assessment_round=assessment_round,
        reviews=reviews,
        comment=comment,
        expected_version=expected_version,
    )


def round_verify(
    *, user, assessment_round: AssessmentRound, comment: str = "", reviews: dict[int, ReviewInput] | None = None
) -> AssessmentRound:
    """Thẩm tra: every criterion not marked yet is verified; comments typed on criteria stay as the verifier's notes."""
    return transitions.apply("verify", user=user, assessment_round=assessment_round, comment=comment, reviews=reviews)


def round_return_to_commune(
    *,
    user,
    assessment_round: AssessmentRound,
    comments: dict[int, str],
    comment: str = "",
    reviews: dict[int, ReviewInput] | None = None,
) -> AssessmentRound:
    """The district returns the round to the commune: the criteria commented (by criterion id) and not marked
    verified are returned. Also withdraws the district's own verification, as long as the province has not approved
    it."""
    reviews = dict(reviews or {})
    for criterion_id, text in comments.items():
        reviews.setdefault(criterion_id, ReviewInput()).comment = text
    return transitions.apply(
        "return_to_commune", user=user, assessment_round=assessment_round, comment=comment, reviews=reviews
    )


def round_approve(
    *, user, assessment_round: AssessmentRound, comment: str = "", approved_on: datetime.date | None = None
) -> AssessmentRound:
    """Thẩm định: the province approves a verified round (on `approved_on`, default today); it is locked for
    everyone below, and counts in the figures from that day."""
    return transitions.apply(
        "approve", user=user, assessment_round=assessment_round, comment=comment, approved_on=approved_on
    )


def round_return_to_district(*, user, assessment_round: AssessmentRound, comment: str) -> AssessmentRound:
    """The province sends a verified round back to the district's queue, with its reason."""
    return transitions.apply("return_to_district", user=user, assessment_round=assessment_round, comment=comment)


def round_reopen(*, user, assessment_round: AssessmentRound, comment: str) -> AssessmentRound:
    """The province withdraws its own approval (a recognised round cannot be reopened)."""
    return transitions.apply("reopen", user=user, assessment_round=assessment_round, comment=comment)


@transaction.atomic
def round_withdraw(*, user, assessment_round: AssessmentRound) -> None:
    """Rút: whoever opened a round by mistake removes it while nothing is entered. The log keeps the withdrawal."""
    transition = transitions.TRANSITIONS["withdraw"]
    current = transitions.begin(transition, user=user, assessment_round=assessment_round)
    commune_id, year = current.commune_id, current.year
    current.changes.update(assessment_round=None)  # the log outlives the round
    AssessmentChange.objects.create(
        assessment_round=None,
        commune_id=commune_id,
        changed_by=user,
        kind=ChangeKind.WITHDRAWN,
        field="status",
        old_value=current.status,
        new_value=None,
        comment=_("Kỳ đánh giá năm %(year)s (%(set)s)") % {"year": year, "set": current.criteria_set.name},
    )
    current.delete()
    ledger.refresh_communes([commune_id])


def recognition_default_level(criteria_set: CriteriaSet) -> str:
    """The level a round of this set certifies: basic → đạt chuẩn, advanced → nâng cao, model → kiểu mẫu."""
    return ledger.SET_LEVEL_CERTIFIES.get(criteria_set.level, NtmLevel.STANDARD)


@transaction.atomic
def recognition_record(
    *,
    user,
    assessment_round: AssessmentRound,
    decision_number: str,
    decision_date: datetime.date,
    signer: str,
    level: str | None = None,
    confirm: bool = False,
    reason: str = "",
) -> Recognition:
    """Record the recognition decision of an approved round whose every criterion is met.

    A level lower than the one in force, or a second decision for a level the commune already holds, is refused
    unless confirmed with a reason; it is then logged as such. The commune's level is the highest of its decisions
    in force, as the ledger reads it: a lower decision does not lower it (revoking the higher one does).
    """
    transition = transitions.TRANSITIONS["recognise"]
    current = transitions.begin(transition, user=user, assessment_round=assessment_round)
    level = level or recognition_default_level(current.criteria_set)
    if level == NtmLevel.NOT_YET:  # the model's check constraint would say so only in English
        raise InvalidValue({"level": _("Chọn mức công nhận: đạt chuẩn, nâng cao hoặc kiểu mẫu.")})
    commune = current.commune
    held, held_by = ledger.level_in_force(commune.pk, decision_date)
    caution = ""
    if held_by is not None and ledger.LEVEL_RANK[level] <= ledger.LEVEL_RANK[held]:
        facts = {
            "commune": commune.name,
            "held": NtmLevel(held).label,
            "level": NtmLevel(level).label,
            "number": held_by.decision_number,
            "day": f"{held_by.decision_date:%d/%m/%Y}",
        }
        if level == held:
            caution = (
                _(
                    "%(commune)s đã được công nhận %(held)s (quyết định %(number)s ngày %(day)s): đây là quyết "
                    "định thứ hai cho cùng mức."
                )
                % facts
            )
        else:
            caution = (
                _(
                    "%(commune)s đang ở mức %(held)s (quyết định %(number)s ngày %(day)s): quyết định %(level)s "
                    "thấp hơn không hạ mức của xã; muốn hạ mức, hãy thu hồi quyết định đó."
                )
                % facts
            )
        if not confirm or not reason.strip():
            raise NeedsConfirmation(caution + " " + _("Đánh dấu xác nhận và ghi lý do để vẫn ghi quyết định này."))
    recognition = Recognition(
        commune=commune,
        level=level,
        year=current.year,
        decision_number=decision_number.strip(),
        decision_date=decision_date,
        signer=signer.strip(),
        criteria_set=current.criteria_set,
        assessment_round=current,
    )
    try:
        recognition.full_clean()
    except ValidationError as error:
        raise InvalidValue({k: " ".join(v) for k, v in error.message_dict.items()}) from error
    recognition.save()
    old_level = commune.ntm_level
    _follow_decisions_in_force(commune)
    note = f"{recognition.decision_number} ({decision_date:%d/%m/%Y}, {recognition.signer})"
    if caution:
        note = f"{note}. {_('Đã xác nhận')}: {caution} {_('Lý do')}: {reason.strip()}"
    log_change(current, user, ChangeKind.RECOGNITION, "ntm_level", old_level, level, comment=note).save()
    transitions.finish(transition, user=user, assessment_round=assessment_round, current=current, to_state=None)
    return recognition


@transaction.atomic
def recognition_revoke(
    *, user, assessment_round: AssessmentRound, reason: str, revoked_on: datetime.date | None = None
) -> Recognition:
    """Thu hồi: the province revokes the round's recognition decision from `revoked_on` (default today); the
    commune's level falls back to its other decisions in force."""
    transition = transitions.TRANSITIONS["revoke_recognition"]
    current = transitions.begin(transition, user=user, assessment_round=assessment_round, comment=reason)
    recognition = Recognition.objects.get(assessment_round=current)
    revoked_on = revoked_on or timezone.localdate()
    if revoked_on < recognition.decision_date:
        raise InvalidValue({"revoked_on": _("Ngày thu hồi không thể trước ngày quyết định.")})
    recognition.revoked_on = revoked_on
    recognition.save(update_fields=["revoked_on"])
    commune = current.commune
    old_level = commune.ntm_level
    _follow_decisions_in_force(commune)
    log_change(
        current,
        user,
        ChangeKind.RECOGNITION,
        "revoked_on",
        None,
        revoked_on.isoformat(),
        comment=f"{recognition.decision_number}: {reason.strip()}",
    ).save()
    if commune.ntm_level != old_level:
        log_change(
            current, user, ChangeKind.RECOGNITION, "ntm_level", old_level, commune.ntm_level, comment=reason.strip()
        ).save()
    transitions.finish(transition, user=user, assessment_round=assessment_round, current=current, to_state=None)
    return recognition


def transition_take(
    name: str,
    *,
    user,
    assessment_round: AssessmentRound,
    version: int | None = None,
    comment: str = "",
    reviews: dict[int, ReviewInput] | None = None,
    **decision,
):
    """Take the transition `name` of the table with the input a form or an API body gave: the one entry point of the
    round page's panels, the queues' bulk actions and the API's action routes. Returns the round, or the
    Recognition of a recognition decision, or None when the round was withdrawn."""
    if name == "recognise":
        return recognition_record(user=user, assessment_round=assessment_round, **decision)
    if name == "revoke_recognition":
        return recognition_revoke(
            user=user, assessment_round=assessment_round, reason=comment, revoked_on=decision.get("revoked_on")
        )
    if name == "withdraw":
        return round_withdraw(user=user, assessment_round=assessment_round)
    return transitions.apply(
        name, user=user, assessment_round=assessment_round, expected_version=version, comment=comment, reviews=reviews
    )


def _follow_decisions_in_force(commune: AdministrativeUnit) -> None:
    """The commune's level and decision are those of its decisions in force today (ledger.level_in_force)."""
    commune.ntm_level, commune.recognition = ledger.level_in_force(commune.pk, timezone.localdate())
    commune.save(update_fields=["ntm_level", "recognition"])
    ledger.refresh_communes([commune.pk])


def evidence_add(
    *, user, assessment_round: AssessmentRound, file, indicator: Indicator | None = None, description: str = ""
) -> EvidenceFile:
    """Attach a file to a round still being edited; the type and size limits are the settings' EVIDENCE_*.

    The file is moved into place whole (ntm_portal.files) before its row is written, and the row is committed here
    (a durable transaction): on any error, of the disk or of the database, neither the file nor the row stays, and
    an InvalidValue on "file" says so in the user's words.
    """
    require(user, Action.EDIT, assessment_round.commune)
    if assessment_round.status not in EDITABLE_STATES:  # checked again under the lock; this spares a useless write
        raise IllegalTransition(_evidence_states())
    name = getattr(file, "name", "") or ""
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in settings.EVIDENCE_EXTENSIONS:
        raise InvalidValue(
            {
                "file": _("Tệp “%(name)s” không được chấp nhận: chỉ nhận %(allowed)s.")
                % {"name": name, "allowed": ", ".join(settings.EVIDENCE_EXTENSIONS)}
            }
        )
    if file.size == 0:
        raise InvalidValue({"file": _("Tệp “%(name)s” rỗng.") % {"name": name}})
    if file.size > settings.EVIDENCE_MAX_BYTES:
        sizes = {"name": name, "size": file.size / 2**20, "limit": settings.EVIDENCE_MAX_BYTES // 2**20}
        raise InvalidValue({"file": _("Tệp “%(name)s” nặng %(size).1f MB, vượt giới hạn %(limit)d MB.") % sizes})
    if indicator is not None and indicator.criterion.criteria_set_id != assessment_round.criteria_set_id:
        raise InvalidValue({"indicator": _("Chỉ tiêu không thuộc bộ tiêu chí của kỳ đánh giá.")})

    file_field = EvidenceFile._meta.get_field("file")
    storage = file_field.storage
    try:
        stored = files.write_into_place(
            storage, file_field.generate_filename(None, name), file, max_length=file_field.max_length
        )
    except OSError as error:
        logger.error("Evidence file %r of round %s not written", name, assessment_round.pk, exc_info=True)
        raise InvalidValue({"file": _evidence_not_saved(name, error)}) from error
    try:
        with transaction.atomic(durable=True):
            current = lock(assessment_round, None)
            if current.status not in EDITABLE_STATES:
                raise IllegalTransition(_evidence_states())
            evidence = EvidenceFile.objects.create(
                assessment_round=current, indicator=indicator, file=stored, description=description.strip()[:200]
            )
            log_change(
                current,
                user,
                ChangeKind.EVIDENCE,
                "file",
                None,
                evidence.file.name,
                indicator=indicator,
                criterion=indicator.criterion if indicator else None,
                comment=evidence.description,
            ).save()
            assessment_round.version = bump(current)
    except DatabaseError as error:
        files.discard(storage, stored)
        logger.error("Evidence file %r of round %s not recorded", name, assessment_round.pk, exc_info=True)
        raise InvalidValue({"file": _evidence_not_saved(name, error)}) from error
    except BaseException:
        files.discard(storage, stored)
        raise
    return evidence


def _evidence_states() -> str:
    return _("Chỉ thêm hồ sơ minh chứng khi kỳ đánh giá đang nhập hoặc bị trả lại.")


def _evidence_not_saved(name: str, error: BaseException) -> str:
    message = _("Không lưu được tệp “%(name)s”: %(reason)s Chưa có gì được lưu; hãy thử lại sau hoặc báo quản trị.")
    return message % {"name": name, "reason": files.not_saved_reason(error)}


# --- targets changed after values were recorded ---------------------------------------------------------------------


@transaction.atomic
def targets_changed(*, indicator_ids: list[int] | None = None, commune_ids: list[int] | None = None) -> int:
    """Judge again the recorded values of these indicators (a steward entered or corrected a target) or of these
    communes (their region or group changed, so other targets apply), the criteria they decide and the ledger.

    Values stay as the commune entered them; what changes is whether they meet the target, logged as the system's
    change with the reason. Returns the number of criterion results that changed.
    """
    values = IndicatorValue.objects.all()
    if indicator_ids is not None:
        values = values.filter(indicator_id__in=indicator_ids)
    if commune_ids is not None:
        values = values.filter(assessment_round__commune_id__in=commune_ids)
    round_ids = set(values.values_list("assessment_round_id", flat=True))
    if not round_ids:
        return 0
    rounds = AssessmentRound.objects.filter(pk__in=round_ids).select_related("commune")
    every_value = list(
        IndicatorValue.objects.filter(assessment_round__in=round_ids)
        .select_related("indicator__criterion__criteria_set")
        .prefetch_related("indicator__targets")
    )
    commune_of = {r.pk: r.commune for r in rounds}
    changed_values, states = [], {}
    for value in every_value:
        met = indicator_met(value.indicator, commune_of[value.assessment_round_id], value)
        if met != value.met:
            value.met = met
            changed_values.append(value)
        states[(value.assessment_round_id, value.indicator_id)] = met
    IndicatorValue.objects.bulk_update(changed_values, ["met"])
    indicators_of: dict[int, list[int]] = {}
    for criterion_id, indicator_id in (
        Indicator.objects.filter(criterion__results__assessment_round__in=round_ids)
        .values_list("criterion_id", "pk")
        .distinct()
    ):
        indicators_of.setdefault(criterion_id, []).append(indicator_id)
    changed_results, log = [], []
    results = CriterionResult.objects.filter(assessment_round__in=round_ids, assessed_as_whole=False)
    for result in results.select_related("assessment_round", "criterion"):
        own = indicators_of.get(result.criterion_id, [])
        if not any((result.assessment_round_id, i) in states for i in own):
            continue
        met = criterion_met([states.get((result.assessment_round_id, i)) for i in own])
        if met != result.met:
            log.append(
                log_change(
                    result.assessment_round,
                    None,
                    ChangeKind.CRITERION,
                    "met",
                    result.met,
                    met,
                    criterion=result.criterion,
                    comment=_("Chỉ tiêu (mức phải đạt) thay đổi."),
                )
            )
            result.met = met
            changed_results.append(result)
    CriterionResult.objects.bulk_update(changed_results, ["met"])
    AssessmentChange.objects.bulk_create(log)
    ledger.refresh_communes({c.pk for c in commune_of.values()})
    return len(changed_results)


# --- history -----------------------------------------------------------------------------------------------------


@dataclass
class RoundSnapshot:
    status: str
    criteria: dict[int, bool | None]  # criterion number -> met
    indicators: dict[str, dict]  # indicator code -> {"value_number", "value_bool", "note"}, for those with any


def round_as_of(assessment_round: AssessmentRound, moment: datetime.datetime) -> RoundSnapshot | None:
    """Rebuild the round as it stood at `moment` from its change log: None if it did not exist yet.

    For each field, the value after the last change at or before `moment`; if the field only changed later, the
    value before the first later change; if it never changed, its current value.
    """
    changes = list(assessment_round.changes.select_related("criterion", "indicator").order_by("changed_at", "pk"))
    created = next((c for c in changes if c.kind == ChangeKind.CREATED), None)
    if created and created.changed_at > moment:
        return None
    current = RoundSnapshot(
        status=assessment_round.status,
        criteria={r.criterion.number: r.met for r in assessment_round.criterion_results.select_related("criterion")},
        indicators={
            v.indicator.code: {"value_number": _json(v.value_number), "value_bool": v.value_bool, "note": v.note}
            for v in assessment_round.indicator_values.select_related("indicator")
        },
    )
    settled: set[tuple] = set()
    # Walk back from the newest change: every change after `moment` is undone; the first one at or before it
    # settles its field.
    for change in reversed(changes):
        key = (change.kind, change.field, change.criterion_id, change.indicator_id)
        if key in settled or change.kind in (ChangeKind.CREATED, ChangeKind.REVIEW, ChangeKind.RECOGNITION):
            continue
        value = change.new_value if change.changed_at <= moment else change.old_value
        if change.changed_at <= moment:
            settled.add(key)
        if change.kind == ChangeKind.STATE:
            current.status = value
        elif change.kind == ChangeKind.CRITERION and change.field == "met":
            current.criteria[change.criterion.number] = value
        elif change.kind == ChangeKind.INDICATOR:
            current.indicators.setdefault(
                change.indicator.code, {"value_number": None, "value_bool": None, "note": ""}
            )[change.field] = value
    # Undoing the first entry of a value leaves an empty one: the indicator had no value then.
    current.indicators = {
        code: v for code, v in current.indicators.items() if any(x not in (None, "") for x in v.values())
    }
    return current
