"""The assessment workflow: a commune enters its values, the district verifies (thẩm tra), the province approves
(thẩm định) and records the recognition decision.

    draft ──submit──▶ submitted ──verify──▶ verified ──approve──▶ approved ──recognise──▶ (commune recognised)
      ▲                 │  ▲                  │  │                  │
      └─── returned ◀───┘  └─return_to_district┘  └──────reopen──────┘
            ▲   (district: return_to_commune, from submitted or verified)

Approval works bottom-up, as DHIS2's data approval does: once a level has acted, the levels below cannot edit or
undo until that level hands the round back (province: return_to_district / reopen; district: return_to_commune).
Where a province has no districts, the province does the district's step too (ntm_portal.access).

Every function here checks permission (role and unit) first, then the round's state; every change of a value or a
state is written to AssessmentChange in the same transaction, and every change bumps `version`, so that a save
based on an older version is refused with the name of whoever changed the round in between.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from communes.choices import NtmLevel, Region
from communes.models import AdministrativeUnit, Recognition
from ntm_portal.access import AccessDenied, Action, require

from .. import ledger
from ..choices import ChangeKind, Comparison, RoundStatus, TargetScheme
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

EDITABLE_STATES = (RoundStatus.DRAFT, RoundStatus.RETURNED)
NUMBER_PLACES = Decimal("0.01")  # IndicatorValue.value_number's decimal_places


class WorkflowError(Exception):
    """A user-caused refusal; its message is shown as it is in the UI and the API."""


class IllegalTransition(WorkflowError):
    pass


class ConcurrentEdit(WorkflowError):
    pass


class InvalidValue(WorkflowError):
    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__("; ".join(f"{key}: {message}" for key, message in errors.items()))


# AccessDenied lives with the access rules; re-exported so callers catch one family of errors from here.
__all__ = ["AccessDenied", "ConcurrentEdit", "IllegalTransition", "InvalidValue", "WorkflowError"]


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


def _log(assessment_round, user, kind, field_name, old, new, *, criterion=None, indicator=None, comment=""):
    return AssessmentChange(
        assessment_round=assessment_round, commune_id=assessment_round.commune_id, changed_by=user, kind=kind,
        criterion=criterion, indicator=indicator, field=field_name, old_value=old, new_value=new, comment=comment,
    )  # fmt: skip


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
    raise ValidationError(_("Chỉ tiêu này chỉ nhận giá trị Đạt / Không đạt."))


def _json(value):
    """Audit values as JSON: decimals as strings so that 80.50 stays 80.50."""
    if isinstance(value, Decimal):
        return str(value)
    return value


def _lock(assessment_round: AssessmentRound, expected_version: int | None) -> AssessmentRound:
    """Lock the row for the rest of the transaction, and refuse a change based on a stale version."""
    current = (
        AssessmentRound.objects.select_for_update()
        .select_related("commune", "criteria_set")
        .get(pk=assessment_round.pk)
    )
    if expected_version is not None and current.version != expected_version:
        last = current.changes.select_related("changed_by").order_by("-changed_at", "-pk").first()
        who = (last.changed_by.get_full_name() or last.changed_by.username) if last and last.changed_by else _("ai đó")
        when = timezone.localtime(last.changed_at).strftime("%H:%M %d/%m/%Y") if last else ""
        raise ConcurrentEdit(
            _("%(who)s đã thay đổi kỳ đánh giá này lúc %(when)s, sau khi bạn mở nó. Thay đổi của bạn chưa được lưu: "
              "hãy tải lại trang để xem bản mới nhất rồi nhập lại.") % {"who": who, "when": when}
        )  # fmt: skip
    return current


def _bump(assessment_round: AssessmentRound) -> int:
    AssessmentRound.objects.filter(pk=assessment_round.pk).update(version=F("version") + 1, updated_at=timezone.now())
    assessment_round.refresh_from_db(fields=["version", "updated_at"])
    return assessment_round.version


@transaction.atomic
def round_start(
    *, user, commune: AdministrativeUnit, year: int, criteria_set: CriteriaSet | None = None,
    as_of: datetime.date | None = None,
) -> AssessmentRound:  # fmt: skip
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
    _log(assessment_round, user, ChangeKind.CREATED, "status", None, RoundStatus.DRAFT).save()
    ledger.refresh_communes([commune.pk])
    return assessment_round


@transaction.atomic
def round_save(
    *, user, assessment_round: AssessmentRound, expected_version: int,
    indicators: dict[int, IndicatorInput] | None = None, criteria: dict[int, CriterionInput] | None = None,
) -> SaveResult:  # fmt: skip
    """Save values: `indicators` by indicator id, `criteria` (assessed as a whole) by criterion id.

    Recomputes whether each indicator meets the commune's target and whether each criterion is met: a criterion
    with recorded indicators is met when all of them meet their targets. All or nothing: one invalid value and
    nothing is saved.
    """
    require(user, Action.EDIT, assessment_round.commune)
    current = _lock(assessment_round, expected_version)
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
                log.append(_log(current, user, ChangeKind.INDICATOR, name, before[name], after[name],
                                indicator=indicator, criterion=indicator.criterion))  # fmt: skip
        (new_values if value.pk is None else changed_values).append(value)
        values[indicator_id] = value
    if errors:
        raise InvalidValue(errors)

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
        if before != {"met": result.met, "note": result.note} or result.pk is None:
            for name in ("met", "note"):
                if before[name] != getattr(result, name):
                    log.append(_log(current, user, ChangeKind.CRITERION, name, before[name], getattr(result, name),
                                    criterion=criterion))  # fmt: skip
            changed_results.append(result)

    IndicatorValue.objects.bulk_create(new_values)
    IndicatorValue.objects.bulk_update(changed_values, ["value_number", "value_bool", "note", "met"])
    CriterionResult.objects.bulk_create([r for r in changed_results if r.pk is None])
    CriterionResult.objects.bulk_update([r for r in changed_results if r.pk], ["met", "note", "assessed_as_whole"])
    AssessmentChange.objects.bulk_create(log)
    if changed_results:
        ledger.refresh_communes([current.commune_id])
    version = _bump(current) if log else current.version
    assessment_round.version = version
    return SaveResult(changes=len(log), version=version)


def _transition(
    user, assessment_round, action, allowed_from, to, *, expected_version=None, comment="", check=None, fields=None
):
    require(user, action, assessment_round.commune)
    current = _lock(assessment_round, expected_version)
    if current.status not in allowed_from:
        raise IllegalTransition(
            _("Không thể thực hiện: kỳ đánh giá của %(commune)s đang ở trạng thái “%(status)s”.")
            % {"commune": current.commune, "status": current.get_status_display()}
        )
    if check:
        check(current)
    old = current.status
    AssessmentRound.objects.filter(pk=current.pk).update(status=to, **(fields or {}))
    _log(current, user, ChangeKind.STATE, "status", old, to, comment=comment).save()
    ledger.refresh_communes([current.commune_id])  # the approved-only standings follow the state
    assessment_round.status = to
    assessment_round.version = _bump(current)
    return assessment_round


def _every_criterion_assessed(current: AssessmentRound) -> None:
    missing = list(
        current.criterion_results.filter(met__isnull=True).order_by("criterion__number").values_list(
            "criterion__number", flat=True
        )
    ) + list(
        Criterion.objects.filter(criteria_set_id=current.criteria_set_id)
        .exclude(results__assessment_round=current)
        .values_list("number", flat=True)
    )  # fmt: skip
    if missing:
        raise IllegalTransition(
            _("Chưa đánh giá các tiêu chí số %(numbers)s: đánh giá đủ mọi tiêu chí rồi mới gửi.")
            % {"numbers": ", ".join(str(n) for n in sorted(missing))}
        )


@transaction.atomic
def round_submit(*, user, assessment_round: AssessmentRound, expected_version: int | None = None) -> AssessmentRound:
    """The commune sends its self-assessment for verification."""
    return _transition(
        user, assessment_round, Action.SUBMIT, EDITABLE_STATES, RoundStatus.SUBMITTED,
        expected_version=expected_version, check=_every_criterion_assessed,
    )  # fmt: skip


@transaction.atomic
def round_verify(*, user, assessment_round: AssessmentRound, comment: str = "") -> AssessmentRound:
    """Thẩm tra: the district (or a province without districts) confirms the commune's results."""
    return _transition(
        user, assessment_round, Action.VERIFY, (RoundStatus.SUBMITTED,), RoundStatus.VERIFIED, comment=comment
    )


@transaction.atomic
def round_return_to_commune(
    *, user, assessment_round: AssessmentRound, comments: dict[int, str], comment: str = ""
) -> AssessmentRound:
    """The district returns the round to the commune with a comment per criterion (by criterion id).

    Also withdraws the district's own verification, as long as the province has not approved it."""
    require(user, Action.VERIFY, assessment_round.commune)  # who may, before what is missing
    comments = {cid: text.strip() for cid, text in comments.items() if text and text.strip()}
    if not comments and not comment.strip():
        raise InvalidValue({"comments": _("Ghi rõ ý kiến cho ít nhất một tiêu chí khi trả lại.")})
    round_ = _transition(
        user, assessment_round, Action.VERIFY, (RoundStatus.SUBMITTED, RoundStatus.VERIFIED), RoundStatus.RETURNED,
        comment=comment,
    )  # fmt: skip
    results = list(round_.criterion_results.filter(criterion_id__in=comments).select_related("criterion"))
    if len(results) != len(comments):
        raise InvalidValue({"comments": _("Ý kiến gửi cho tiêu chí không thuộc kỳ đánh giá này.")})
    log = []
    for result in results:
        log.append(_log(round_, user, ChangeKind.REVIEW, "review_comment", result.review_comment,
                        comments[result.criterion_id], criterion=result.criterion))  # fmt: skip
        result.review_comment = comments[result.criterion_id]
    CriterionResult.objects.bulk_update(results, ["review_comment"])
    AssessmentChange.objects.bulk_create(log)
    return round_


@transaction.atomic
def round_approve(
    *, user, assessment_round: AssessmentRound, comment: str = "", approved_on: datetime.date | None = None
) -> AssessmentRound:
    """Thẩm định: the province approves a verified round (on `approved_on`, default today); it is locked for
    everyone below, and counts in the figures from that day."""
    return _transition(
        user, assessment_round, Action.APPROVE, (RoundStatus.VERIFIED,), RoundStatus.APPROVED, comment=comment,
        fields={"approved_on": approved_on or timezone.localdate()},
    )  # fmt: skip


def _needs_reason(comment: str) -> None:
    if not comment.strip():
        raise InvalidValue({"comment": _("Ghi lý do.")})


@transaction.atomic
def round_return_to_district(*, user, assessment_round: AssessmentRound, comment: str) -> AssessmentRound:
    """The province sends a verified round back to the district's queue, with its reason."""
    require(user, Action.APPROVE, assessment_round.commune)  # who may, before what is missing
    _needs_reason(comment)
    if assessment_round.commune.district_id is None:
        raise IllegalTransition(_("Tỉnh không có cấp huyện: hãy trả lại trực tiếp cho xã."))
    return _transition(
        user, assessment_round, Action.APPROVE, (RoundStatus.VERIFIED,), RoundStatus.SUBMITTED, comment=comment
    )


@transaction.atomic
def round_reopen(*, user, assessment_round: AssessmentRound, comment: str) -> AssessmentRound:
    """The province withdraws its own approval (a recognised round cannot be reopened)."""
    require(user, Action.APPROVE, assessment_round.commune)  # who may, before what is missing
    _needs_reason(comment)

    def not_recognised(current):
        if Recognition.objects.filter(assessment_round=current).exists():
            raise IllegalTransition(_("Kỳ đánh giá đã có quyết định công nhận, không thể mở lại."))

    return _transition(
        user, assessment_round, Action.APPROVE, (RoundStatus.APPROVED,), RoundStatus.VERIFIED, comment=comment,
        check=not_recognised, fields={"approved_on": None},
    )  # fmt: skip


@transaction.atomic
def recognition_record(
    *, user, assessment_round: AssessmentRound, decision_number: str, decision_date: datetime.date, signer: str,
    level: str = NtmLevel.STANDARD,
) -> Recognition:  # fmt: skip
    """Record the recognition decision of an approved round whose every criterion is met; the commune's status and
    level change with it."""
    require(user, Action.RECOGNISE, assessment_round.commune)
    current = _lock(assessment_round, None)
    if current.status != RoundStatus.APPROVED:
        raise IllegalTransition(_("Chỉ ghi quyết định công nhận cho kỳ đánh giá đã được tỉnh thẩm định."))
    met, total, unmet = ledger.round_score(current)
    if met < total:
        raise IllegalTransition(
            _("%(commune)s mới đạt %(met)s/%(total)s tiêu chí (chưa đạt: %(unmet)s): chưa thể công nhận.")
            % {"commune": current.commune, "met": met, "total": total, "unmet": ", ".join(c.name for c in unmet)}
        )
    if Recognition.objects.filter(assessment_round=current).exists():
        raise IllegalTransition(_("Kỳ đánh giá này đã có quyết định công nhận."))
    if level == NtmLevel.NOT_YET:  # the model's check constraint would say so only in English
        raise InvalidValue({"level": _("Chọn mức công nhận: đạt chuẩn, nâng cao hoặc kiểu mẫu.")})
    recognition = Recognition(
        commune=current.commune, level=level, year=current.year, decision_number=decision_number.strip(),
        decision_date=decision_date, signer=signer.strip(), criteria_set=current.criteria_set,
        assessment_round=current,
    )  # fmt: skip
    try:
        recognition.full_clean()
    except ValidationError as error:
        raise InvalidValue({k: " ".join(v) for k, v in error.message_dict.items()}) from error
    recognition.save()
    commune = current.commune
    old_level = commune.ntm_level
    commune.ntm_level, commune.recognition = level, recognition
    commune.save(update_fields=["ntm_level", "recognition"])
    ledger.refresh_communes([commune.pk])
    _log(current, user, ChangeKind.RECOGNITION, "ntm_level", old_level, level,
         comment=f"{recognition.decision_number} ({decision_date:%d/%m/%Y}, {recognition.signer})").save()  # fmt: skip
    assessment_round.version = _bump(current)
    return recognition


@transaction.atomic
def evidence_add(
    *, user, assessment_round: AssessmentRound, file, indicator: Indicator | None = None, description: str = ""
) -> EvidenceFile:
    """Attach a file to a round still being edited; the type and size limits are the settings' EVIDENCE_*."""
    require(user, Action.EDIT, assessment_round.commune)
    current = _lock(assessment_round, None)
    if current.status not in EDITABLE_STATES:
        raise IllegalTransition(_("Chỉ thêm hồ sơ minh chứng khi kỳ đánh giá đang nhập hoặc bị trả lại."))
    name = getattr(file, "name", "") or ""
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in settings.EVIDENCE_EXTENSIONS:
        raise InvalidValue({"file": _("Tệp “%(name)s” không được chấp nhận: chỉ nhận %(allowed)s.")
                            % {"name": name, "allowed": ", ".join(settings.EVIDENCE_EXTENSIONS)}})  # fmt: skip
    if file.size == 0:
        raise InvalidValue({"file": _("Tệp “%(name)s” rỗng.") % {"name": name}})
    if file.size > settings.EVIDENCE_MAX_BYTES:
        sizes = {"name": name, "size": file.size / 2**20, "limit": settings.EVIDENCE_MAX_BYTES // 2**20}
        raise InvalidValue({"file": _("Tệp “%(name)s” nặng %(size).1f MB, vượt giới hạn %(limit)d MB.") % sizes})
    if indicator is not None and indicator.criterion.criteria_set_id != current.criteria_set_id:
        raise InvalidValue({"indicator": _("Chỉ tiêu không thuộc bộ tiêu chí của kỳ đánh giá.")})
    evidence = EvidenceFile.objects.create(
        assessment_round=current, indicator=indicator, file=file, description=description.strip()[:200]
    )
    _log(current, user, ChangeKind.EVIDENCE, "file", None, evidence.file.name, indicator=indicator,
         criterion=indicator.criterion if indicator else None, comment=evidence.description).save()  # fmt: skip
    assessment_round.version = _bump(current)
    return evidence


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
        IndicatorValue.objects.filter(assessment_round__in=round_ids).select_related("indicator__criterion__criteria_set")
        .prefetch_related("indicator__targets")
    )  # fmt: skip
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
            log.append(_log(result.assessment_round, None, ChangeKind.CRITERION, "met", result.met, met,
                            criterion=result.criterion, comment=_("Chỉ tiêu (mức phải đạt) thay đổi.")))  # fmt: skip
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
