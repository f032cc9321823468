"""The assessment workflow's transitions, in one table (DHIS2's data approval states are the anchor).

    draft ──submit──▶ submitted ──verify / review──▶ verified ──approve──▶ approved ──recognise──▶ (recognised)
      ▲ │               │  ▲                          │  │                  │  ◀──revoke_recognition──┘
      │ withdraw        │  └─────return_to_district───┘  └──────reopen──────┘
      └── returned ◀────┘ return_to_commune / review (from submitted, or the district's own verification)

Each row says who may take the transition (an `Action` of ntm_portal.access: role and unit), from which states, to
which, what input it needs (a reason, per-criterion marks and comments, the version the user read) and the check
that may still refuse it. The services (`apply`, and criteria.services.assessment's one function per transition),
the round page's action panels, the review queues, the API's action routes and the Excel import all read this table;
none of them spells out a state again.

Approval works bottom-up: once a level has acted, the levels below cannot edit or undo until that level hands the
round back. Where a province has no districts, the province verifies too (ntm_portal.access).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from communes.models import Recognition
from ntm_portal.access import AccessDenied, Action, action_q, can, require
from ntm_portal.errors import Conflict, InvalidFields

from .. import ledger
from ..choices import ChangeKind, ReviewState, RoundStatus
from ..models import AssessmentChange, AssessmentRound, CriterionResult

S = RoundStatus


@dataclass(frozen=True)
class Transition:
    name: str
    title: Promise  # the panel's heading
    label: Promise  # its button
    success: Promise  # the message after it, with %(commune)s
    action: Action  # who may: role and unit (ntm_portal.access.can)
    from_states: tuple[str, ...]
    # The state after it. None: decided by the per-criterion marks (review), or no state change (recognition
    # decisions), or the round is gone (withdraw).
    to_state: str | None
    needs_reason: bool = False  # a non-empty comment
    needs_review: bool = False  # marks and comments per criterion
    needs_version: bool = False  # the version the user read: refused when someone changed the round since
    bulk: bool = False  # may be taken on many rounds at once from a queue, after a confirmation page
    warning: bool = False  # shown as a step back
    notifies: bool = False  # e-mail the commune's officials (criteria.notifications)
    help: Promise | str = ""
    # Returns why the round cannot take it now (None: it can); asked after the role and the state.
    check: Callable[[AssessmentRound, object], str | None] | None = field(default=None, repr=False)

    @property
    def url_name(self) -> str:
        return f"criteria:round_{self.name}"

    @property
    def api_path(self) -> str:
        return self.name.replace("_", "-")


# --- the checks ------------------------------------------------------------------------------------------------------


def _unassessed(current: AssessmentRound, user) -> str | None:
    missing = sorted(current.criterion_results.filter(met__isnull=True).values_list("criterion__number", flat=True))
    if missing:
        return _("Chưa đánh giá các tiêu chí số %(numbers)s: đánh giá đủ mọi tiêu chí rồi mới gửi.") % {
            "numbers": ", ".join(str(n) for n in missing)
        }
    return None


def _has_district(current: AssessmentRound, user) -> str | None:
    if current.commune.district_id is None:
        return _("Tỉnh không có cấp huyện: hãy trả lại trực tiếp cho xã.")
    return None


def _recognition_of(current: AssessmentRound) -> Recognition | None:
    return Recognition.objects.filter(assessment_round=current).first()


def _not_recognised(current: AssessmentRound, user) -> str | None:
    if _recognition_of(current) is not None:
        return _("Kỳ đánh giá đã có quyết định công nhận, không thể mở lại.")
    return None


def _recognisable(current: AssessmentRound, user) -> str | None:
    if _recognition_of(current) is not None:
        return _("Kỳ đánh giá này đã có quyết định công nhận.")
    met, total, unmet = ledger.round_score(current)
    if total == 0 or met < total:
        return _("%(commune)s mới đạt %(met)s/%(total)s tiêu chí (chưa đạt: %(unmet)s): chưa thể công nhận.") % {
            "commune": current.commune,
            "met": met,
            "total": total,
            "unmet": ", ".join(c.name for c in unmet),
        }
    return None


def _recognition_in_force(current: AssessmentRound, user) -> str | None:
    recognition = _recognition_of(current)
    if recognition is None:
        return _("Kỳ đánh giá này chưa có quyết định công nhận để thu hồi.")
    if recognition.revoked_on is not None:
        return _("Quyết định %(number)s đã bị thu hồi ngày %(day)s.") % {
            "number": recognition.decision_number,
            "day": f"{recognition.revoked_on:%d/%m/%Y}",
        }
    return None


def opener_id(current: AssessmentRound) -> int | None:
    created = current.changes.filter(kind=ChangeKind.CREATED).order_by("changed_at", "pk")
    return created.values_list("changed_by_id", flat=True).first()


def _empty_and_own(current: AssessmentRound, user) -> str | None:
    """An empty round opened by mistake: nothing entered, no file, withdrawn by whoever opened it."""
    if (
        current.indicator_values.exists()
        or current.evidence_files.exists()
        or current.criterion_results.filter(Q(met__isnull=False) | ~Q(note="")).exists()
    ):
        return _("Kỳ đánh giá đã có số liệu hoặc hồ sơ: chỉ rút được kỳ đánh giá chưa nhập gì.")
    return None


TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in (
        Transition(
            "submit",
            gettext_lazy("Gửi thẩm tra"),
            gettext_lazy("Gửi thẩm tra"),
            gettext_lazy("Đã gửi kết quả tự đánh giá của %(commune)s lên huyện thẩm tra."),
            Action.SUBMIT,
            (S.DRAFT, S.RETURNED),
            S.SUBMITTED,
            needs_version=True,
            check=_unassessed,
            help=gettext_lazy("Lưu số liệu trước khi gửi. Sau khi gửi, xã không sửa được nữa cho đến khi bị trả lại."),
        ),
        Transition(
            "review",
            gettext_lazy("Thẩm tra từng tiêu chí"),
            gettext_lazy("Lưu kết quả thẩm tra"),
            gettext_lazy("Đã lưu kết quả thẩm tra từng tiêu chí của %(commune)s."),
            Action.VERIFY,
            (S.SUBMITTED,),
            None,
            needs_review=True,
            notifies=True,
            help=gettext_lazy(
                "Đánh dấu từng tiêu chí: đạt thẩm tra hoặc trả lại kèm ý kiến. Kỳ đánh giá được thẩm tra "
                "khi mọi tiêu chí đạt, bị trả lại xã khi có tiêu chí bị trả lại."
            ),
        ),
        Transition(
            "verify",
            gettext_lazy("Thẩm tra"),
            gettext_lazy("Xác nhận đã thẩm tra"),
            gettext_lazy("Đã thẩm tra kết quả của %(commune)s; kỳ đánh giá chuyển lên tỉnh thẩm định."),
            Action.VERIFY,
            (S.SUBMITTED,),
            S.VERIFIED,
            needs_review=True,
            bulk=True,
            help=gettext_lazy("Mọi tiêu chí chưa đánh dấu được ghi là đạt thẩm tra; ý kiến đã ghi được giữ lại."),
        ),
        Transition(
            "return_to_commune",
            gettext_lazy("Trả lại xã"),
            gettext_lazy("Trả lại xã"),
            gettext_lazy("Đã trả lại kỳ đánh giá cho %(commune)s kèm ý kiến thẩm tra."),
            Action.VERIFY,
            (S.SUBMITTED, S.VERIFIED),
            S.RETURNED,
            needs_review=True,
            warning=True,
            notifies=True,
            help=gettext_lazy("Các tiêu chí có ý kiến mà chưa đánh dấu đạt được trả lại xã."),
        ),
        Transition(
            "approve",
            gettext_lazy("Thẩm định"),
            gettext_lazy("Thẩm định đạt"),
            gettext_lazy("Đã thẩm định kết quả của %(commune)s."),
            Action.APPROVE,
            (S.VERIFIED,),
            S.APPROVED,
            bulk=True,
            notifies=True,
        ),
        Transition(
            "return_to_district",
            gettext_lazy("Trả về huyện"),
            gettext_lazy("Trả về huyện thẩm tra lại"),
            gettext_lazy("Đã trả kỳ đánh giá của %(commune)s về huyện thẩm tra lại."),
            Action.APPROVE,
            (S.VERIFIED,),
            S.SUBMITTED,
            needs_reason=True,
            warning=True,
            check=_has_district,
        ),
        Transition(
            "reopen",
            gettext_lazy("Mở lại"),
            gettext_lazy("Mở lại để thẩm định lại"),
            gettext_lazy("Đã mở lại kỳ đánh giá của %(commune)s: chờ tỉnh thẩm định lại."),
            Action.APPROVE,
            (S.APPROVED,),
            S.VERIFIED,
            needs_reason=True,
            warning=True,
            check=_not_recognised,
        ),
        Transition(
            "recognise",
            gettext_lazy("Ghi quyết định công nhận"),
            gettext_lazy("Ghi quyết định"),
            gettext_lazy("Đã ghi quyết định công nhận %(commune)s đạt chuẩn."),
            Action.RECOGNISE,
            (S.APPROVED,),
            None,
            check=_recognisable,
        ),
        Transition(
            "revoke_recognition",
            gettext_lazy("Thu hồi quyết định công nhận"),
            gettext_lazy("Thu hồi quyết định"),
            gettext_lazy("Đã ghi việc thu hồi quyết định công nhận %(commune)s."),
            Action.RECOGNISE,
            (S.APPROVED,),
            None,
            needs_reason=True,
            warning=True,
            check=_recognition_in_force,
            help=gettext_lazy("Mức đạt chuẩn của xã trở về mức của các quyết định còn hiệu lực."),
        ),
        Transition(
            "withdraw",
            gettext_lazy("Rút kỳ đánh giá"),
            gettext_lazy("Rút kỳ đánh giá mở nhầm"),
            gettext_lazy("Đã rút kỳ đánh giá của %(commune)s."),
            Action.EDIT,
            (S.DRAFT,),
            None,
            warning=True,
            check=_empty_and_own,
            help=gettext_lazy("Chỉ người mở kỳ đánh giá được rút, khi chưa nhập số liệu hay hồ sơ nào."),
        ),
    )
}

# Values and evidence are entered while the commune may still submit.
EDITABLE_STATES = TRANSITIONS["submit"].from_states
BULK_TRANSITIONS = tuple(t for t in TRANSITIONS.values() if t.bulk)


class WorkflowError(Exception):
    """A user-caused refusal; its message is shown as it is in the UI and the API."""


class IllegalTransition(WorkflowError, Conflict):
    code = "illegal_transition"


class ConcurrentEdit(WorkflowError, Conflict):
    code = "concurrent_edit"


class InvalidValue(WorkflowError, InvalidFields):
    pass


@dataclass
class ReviewInput:
    """The verifier's mark on one criterion (None: leave it as it is) and comment."""

    state: str | None = None
    comment: str = ""


# --- reading the table -------------------------------------------------------------------------------------------


def may(user, transition: Transition, assessment_round: AssessmentRound) -> bool:
    """Whether the user's role and unit allow it and the round is in a state it starts from (not the check)."""
    if transition.name == "withdraw" and assessment_round.status in transition.from_states:
        return can(user, transition.action, assessment_round.commune) and opener_id(assessment_round) == user.pk
    return assessment_round.status in transition.from_states and can(user, transition.action, assessment_round.commune)


@dataclass
class Offer:
    transition: Transition
    blocked_by: str | None  # why it cannot be taken yet (shown beside a disabled button)


def offers(user, assessment_round: AssessmentRound) -> list[Offer]:
    """The transitions the round page offers this user now, in the table's order."""
    return [
        Offer(t, t.check(assessment_round, user) if t.check else None)
        for t in TRANSITIONS.values()
        if may(user, t, assessment_round)
    ]


def waiting_q(user, transition: Transition, path: str = "") -> Q:
    """Rounds (through `path`) waiting for `user` to take `transition`: role, unit and state, as one condition."""
    prefix = f"{path}__" if path else ""
    return action_q(user, transition.action, path=f"{prefix}commune") & Q(
        **{f"{prefix}status__in": transition.from_states}
    )


# --- taking a transition ---------------------------------------------------------------------------------------


def log(assessment_round, user, kind, field_name, old, new, *, criterion=None, indicator=None, comment=""):
    return AssessmentChange(
        assessment_round=assessment_round,
        commune_id=assessment_round.commune_id,
        changed_by=user,
        kind=kind,
        criterion=criterion,
        indicator=indicator,
        field=field_name,
        old_value=old,
        new_value=new,
        comment=comment,
    )


def lock(assessment_round: AssessmentRound, expected_version: int | None) -> AssessmentRound:
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
            _(
                "%(who)s đã thay đổi kỳ đánh giá này lúc %(when)s, sau khi bạn mở nó. Thay đổi của bạn chưa được lưu: "
                "hãy tải lại trang để xem bản mới nhất rồi nhập lại."
            )
            % {"who": who, "when": when}
        )
    return current


def bump(assessment_round: AssessmentRound) -> int:
    AssessmentRound.objects.filter(pk=assessment_round.pk).update(version=F("version") + 1, updated_at=timezone.now())
    assessment_round.refresh_from_db(fields=["version", "updated_at"])
    return assessment_round.version


def begin(
    transition: Transition,
    *,
    user,
    assessment_round: AssessmentRound,
    expected_version: int | None = None,
    comment: str = "",
) -> AssessmentRound:
    """The checks every transition makes, in order: role and unit, input, lock and version, state, its own check.
    Returns the locked current round."""
    require(user, transition.action, assessment_round.commune)  # who may, before what is missing
    if transition.needs_reason and not comment.strip():
        raise InvalidValue({"comment": _("Ghi lý do.")})
    current = lock(assessment_round, expected_version)
    if transition.name == "withdraw" and opener_id(current) != user.pk:
        raise AccessDenied(_("Chỉ người đã mở kỳ đánh giá này được rút nó."))
    if current.status not in transition.from_states:
        raise IllegalTransition(
            _("Không thể “%(action)s”: kỳ đánh giá của %(commune)s đang ở trạng thái “%(status)s”.")
            % {"action": transition.title, "commune": current.commune, "status": current.get_status_display()}
        )
    reason = transition.check(current, user) if transition.check else None
    if reason:
        raise IllegalTransition(reason)
    return current


def finish(
    transition: Transition,
    *,
    user,
    assessment_round: AssessmentRound,
    current: AssessmentRound,
    to_state: str | None,
    comment: str = "",
    fields: dict | None = None,
) -> AssessmentRound:
    """Write the new state (if any) with its log line, keep the ledger, bump the version, notify after commit."""
    old = current.status
    if to_state is not None and to_state != old:
        AssessmentRound.objects.filter(pk=current.pk).update(status=to_state, **(fields or {}))
        log(current, user, ChangeKind.STATE, "status", old, to_state, comment=comment).save()
        assessment_round.status = to_state
    elif fields:
        AssessmentRound.objects.filter(pk=current.pk).update(**fields)
    ledger.refresh_communes([current.commune_id])  # the approved-only standings follow the state
    assessment_round.version = bump(current)
    if transition.notifies and to_state in (S.RETURNED, S.APPROVED) and to_state != old:
        from ..notifications import notify_commune  # noqa: PLC0415 - mail is sent after the commit

        round_id, state = current.pk, to_state
        transaction.on_commit(lambda: notify_commune(round_id=round_id, state=state, comment=comment))
    return assessment_round


def apply(
    name: str,
    *,
    user,
    assessment_round: AssessmentRound,
    expected_version: int | None = None,
    comment: str = "",
    reviews: dict[int, ReviewInput] | None = None,
    approved_on: datetime.date | None = None,
) -> AssessmentRound:
    """Take a state transition of the table (recognition decisions and withdrawal have their own services)."""
    transition = TRANSITIONS[name]
    with transaction.atomic():
        current = begin(
            transition, user=user, assessment_round=assessment_round, expected_version=expected_version, comment=comment
        )
        to_state, fields = transition.to_state, None
        if transition.needs_review:
            to_state = _apply_review(transition, current, user, reviews or {}, comment)
        if to_state == S.APPROVED:
            fields = {"approved_on": approved_on or timezone.localdate()}
        elif _leaves_approval(current, to_state):
            fields = {"approved_on": None}
        if name == "submit":
            # A resubmission: the criteria sent back are up for verification again.
            CriterionResult.objects.filter(assessment_round=current, review_state=ReviewState.RETURNED).update(
                review_state=ReviewState.PENDING
            )
        return finish(
            transition,
            user=user,
            assessment_round=assessment_round,
            current=current,
            to_state=to_state,
            comment=comment,
            fields=fields,
        )


def _leaves_approval(current: AssessmentRound, to_state: str | None) -> bool:
    return current.status == S.APPROVED and to_state not in (None, S.APPROVED)


def _apply_review(
    transition: Transition, current: AssessmentRound, user, reviews: dict[int, ReviewInput], comment: str
) -> str:
    """Write the verifier's marks and comments, and say the round's next state: returned when any criterion is
    returned, verified when every one is verified, else still submitted. A comment is never dropped: on a verified
    criterion it stays as the verifier's note."""
    results = {r.criterion_id: r for r in current.criterion_results.select_related("criterion")}
    unknown = [cid for cid in reviews if cid not in results]
    if unknown:
        raise InvalidValue({"comments": _("Ý kiến gửi cho tiêu chí không thuộc kỳ đánh giá này.")})
    valid = set(ReviewState.values)
    wrong = [cid for cid, given in reviews.items() if given.state not in (None, "", *valid)]
    if wrong:
        raise InvalidValue({"reviews": _("Kết quả thẩm tra chỉ nhận: đạt thẩm tra, trả lại hoặc chưa thẩm tra.")})
    marks = {cid: r.review_state for cid, r in results.items()}
    comments = {cid: r.review_comment for cid, r in results.items()}
    for cid, given in reviews.items():
        if given.state:
            marks[cid] = given.state
        text = (given.comment or "").strip()
        if text:
            comments[cid] = text
            unmarked = given.state in (None, "", ReviewState.PENDING)
            if unmarked and transition.name == "return_to_commune" and marks[cid] != ReviewState.VERIFIED:
                marks[cid] = ReviewState.RETURNED  # a comment on an unmarked criterion is what the return is for
    if transition.name == "verify":
        returned = sorted(results[cid].criterion.number for cid, mark in marks.items() if mark == ReviewState.RETURNED)
        if returned:
            raise IllegalTransition(
                _(
                    "Tiêu chí số %(numbers)s đang được đánh dấu trả lại: bấm “Trả lại xã”, hoặc đánh dấu đạt rồi "
                    "xác nhận."
                )
                % {"numbers": ", ".join(map(str, returned))}
            )
        marks = dict.fromkeys(marks, ReviewState.VERIFIED)
    if transition.name == "return_to_commune" and ReviewState.RETURNED not in marks.values() and not comment.strip():
        raise InvalidValue({"comments": _("Ghi rõ ý kiến cho ít nhất một tiêu chí khi trả lại.")})
    entries, changed = [], []
    for cid, result in results.items():
        if (marks[cid], comments[cid]) == (result.review_state, result.review_comment):
            continue
        if marks[cid] != result.review_state:
            entries.append(
                log(
                    current,
                    user,
                    ChangeKind.REVIEW,
                    "review_state",
                    result.review_state,
                    marks[cid],
                    criterion=result.criterion,
                )
            )
        if comments[cid] != result.review_comment:
            entries.append(
                log(
                    current,
                    user,
                    ChangeKind.REVIEW,
                    "review_comment",
                    result.review_comment,
                    comments[cid],
                    criterion=result.criterion,
                )
            )
        result.review_state, result.review_comment = marks[cid], comments[cid]
        changed.append(result)
    CriterionResult.objects.bulk_update(changed, ["review_state", "review_comment"])
    AssessmentChange.objects.bulk_create(entries)
    if transition.name == "return_to_commune" or ReviewState.RETURNED in marks.values():
        return S.RETURNED
    if marks and all(mark == ReviewState.VERIFIED for mark in marks.values()):
        return S.VERIFIED
    if transition.name == "review" and not entries and not comment.strip():
        raise InvalidValue({"reviews": _("Chưa đánh dấu hay ghi ý kiến cho tiêu chí nào.")})
    return current.status
