"""The review queues (issue 15): what waits for the user, one line per commune, filtered and sorted, exported to
Excel, and taken in bulk after a confirmation page.

A queue is built from the transitions table (criteria.selectors.queue_rounds); a bulk action takes each round through
`transition_take`, so permissions, the change log, the ledger and the e-mails are those of the round page.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from ntm_portal.access import DENIED_MESSAGES, AccessDenied, can
from ntm_portal.excel import xlsx_response
from ntm_portal.tables import page_of

from . import selectors
from .choices import ReviewState, RoundStatus
from .filtersets import QueueFilterSet
from .models import AssessmentRound
from .services import assessment as workflow
from .services.transitions import BULK_TRANSITIONS, Transition, WorkflowError, may
from .views import _round_export_columns, _round_export_rows

# The most rounds one bulk action takes: a province approves a district's batch at a time, not the whole country.
BULK_LIMIT = 200


@dataclass(frozen=True)
class Queue:
    kind: str
    url_name: str
    title: str
    intro: str
    filename: str


QUEUES = {
    "verification": Queue(
        "verification",
        "criteria:verification_queue",
        gettext_lazy("Chờ thẩm tra"),
        gettext_lazy("Các xã đã gửi kết quả tự đánh giá, chờ thẩm tra: mỗi xã một dòng, kỳ đánh giá mới nhất."),
        gettext_lazy("Kỳ đánh giá chờ thẩm tra.xlsx"),
    ),
    "approval": Queue(
        "approval",
        "criteria:approval_queue",
        gettext_lazy("Chờ thẩm định"),
        gettext_lazy(
            "Kỳ đánh giá đã thẩm tra, chờ tỉnh thẩm định; và kỳ đã thẩm định đạt đủ tiêu chí của xã chưa được "
            "công nhận ở mức đó, chờ ghi quyết định. Mỗi xã một dòng, kỳ đánh giá mới nhất."
        ),
        gettext_lazy("Kỳ đánh giá chờ thẩm định.xlsx"),
    ),
}

# The bulk buttons' wording, per transition of BULK_TRANSITIONS.
BULK_LABELS = {
    "verify": gettext_lazy("Xác nhận thẩm tra các xã đã chọn"),
    "approve": gettext_lazy("Thẩm định các xã đã chọn"),
}


@dataclass
class QueueRow:
    round: AssessmentRound
    transition: Transition | None
    waiting_days: int | None
    selectable: bool  # its transition may be taken in bulk


def _rows(kind: str, rounds) -> list[QueueRow]:
    now = timezone.now()
    rows = []
    for r in rounds:
        transition = selectors.queue_transition_for(kind, r.status)
        days = (now - r.waiting_since).days if r.waiting_since else None
        rows.append(QueueRow(r, transition, days, bool(transition and transition.bulk)))
    return rows


def _bulk_transitions(user, kind: str) -> list[Transition]:
    return [t for t in selectors.queue_transitions(kind) if t.bulk and selectors.may_take_any(user, t)]


def _queue(request: HttpRequest, queue: Queue) -> HttpResponse:
    user = request.user
    filterset = QueueFilterSet(request.GET or None, request=request, kind=queue.kind)
    narrow = filterset.filter_queryset if filterset.is_bound and filterset.is_valid() else None
    rounds = selectors.queue_rounds(user=user, kind=queue.kind, narrow=narrow, newest_first=filterset.newest_first)
    if request.GET.get("format") == "xlsx":
        rounds = list(rounds)
        columns = [*_round_export_columns(), _("Bộ tiêu chí"), _("Việc cần làm"), _("Chờ từ"), _("Số ngày chờ")]
        rows = [
            [
                *row,
                r.round.criteria_set.name,
                str(r.transition.title) if r.transition else "",
                r.round.waiting_since,
                r.waiting_days,
            ]
            for row, r in zip(_round_export_rows(rounds), _rows(queue.kind, rounds), strict=True)
        ]
        return xlsx_response(filename=str(queue.filename), title=str(queue.title), columns=columns, rows=rows)
    page = page_of(request, rounds)
    rows = _rows(queue.kind, page.object_list)
    bulk = _bulk_transitions(user, queue.kind)
    context = {
        "page": page,
        "rows": rows,
        "queue": queue,
        "title": queue.title,
        "intro": queue.intro,
        "filterset": filterset,
        "bulk": [(t, BULK_LABELS.get(t.name, t.label)) for t in bulk],
        "bulk_limit": BULK_LIMIT,
        "newest_first": filterset.newest_first,
        "any_selectable": any(row.selectable for row in rows),
    }
    return render(request, "criteria/queue.html", context)


@login_required
@require_GET
def verification_queue(request: HttpRequest) -> HttpResponse:
    return _queue(request, QUEUES["verification"])


@login_required
@require_GET
def approval_queue(request: HttpRequest) -> HttpResponse:
    return _queue(request, QUEUES["approval"])


# --- bulk actions ----------------------------------------------------------------------------------------------------


@dataclass
class BulkLine:
    round: AssessmentRound
    refusal: str | None  # why it cannot be taken (None: it can)


def _refusal(user, transition: Transition, assessment_round: AssessmentRound) -> str | None:
    """Why `user` cannot take `transition` on the round now, in the words the round page uses; None if they can."""
    commune = assessment_round.commune
    if not can(user, transition.action, commune):
        return str(DENIED_MESSAGES[transition.action] % {"commune": commune.name})
    if not may(user, transition, assessment_round):
        return _("Không thể “%(action)s”: kỳ đánh giá của %(commune)s đang ở trạng thái “%(status)s”.") % {
            "action": transition.title,
            "commune": commune.name,
            "status": assessment_round.get_status_display(),
        }
    if transition.needs_review and getattr(assessment_round, "returned_marks", 0):
        return _("Có tiêu chí đang được đánh dấu trả lại: mở kỳ đánh giá để thẩm tra từng tiêu chí.")
    return transition.check(assessment_round, user) if transition.check else None


def _lines(user, transition: Transition, rounds: list[AssessmentRound]) -> dict:
    lines = [BulkLine(r, _refusal(user, transition, r)) for r in rounds]
    return {
        "lines": lines,
        "takeable": [line for line in lines if line.refusal is None],
        "refused": [line for line in lines if line.refusal is not None],
    }


def _selected_ids(request: HttpRequest) -> list[int] | None:
    ids = []
    for value in request.POST.getlist("rounds"):
        if not value.isdigit() or len(value) > 12:
            return None
        ids.append(int(value))
    return list(dict.fromkeys(ids))


def _selected_rounds(user, ids: list[int]) -> list[AssessmentRound]:
    """The selected rounds the user sees, in the queue's order, with what the confirmation page shows."""
    rounds = selectors._with_score(AssessmentRound.objects.visible_to(user).filter(pk__in=ids)).annotate(
        returned_marks=Count("criterion_results", filter=Q(criterion_results__review_state=ReviewState.RETURNED))
    )
    return list(rounds.order_by("commune__district__code", "commune__code", "-year", "pk"))


def _queue_of(transition: Transition) -> Queue:
    kind = next(k for k, names in selectors.QUEUE_TRANSITIONS.items() if transition.name in names)
    return QUEUES[kind]


@login_required
@require_POST
def queue_bulk(request: HttpRequest, name: str) -> HttpResponse:
    """A bulk transition from a queue. The first POST (the queue's checkboxes) shows the confirmation page and writes
    nothing; the second (`confirm=1`) takes every round through `transition_take` in one transaction: all of them, or
    none when any refuses, and then the page says which and why."""
    transition = next((t for t in BULK_TRANSITIONS if t.name == name), None)
    if transition is None:
        raise Http404(_("Không có thao tác hàng loạt này."))
    queue = _queue_of(transition)
    back = request.POST.get("back", "")
    back_url = reverse(queue.url_name) + (f"?{back}" if back and "\n" not in back else "")
    ids = _selected_ids(request)
    if ids is None:
        messages.error(request, _("Danh sách kỳ đánh giá đã chọn không hợp lệ."))
        return redirect(back_url)
    if not ids:
        messages.error(request, _("Chưa chọn xã nào."))
        return redirect(back_url)
    if len(ids) > BULK_LIMIT:
        messages.error(
            request,
            _(
                "Đã chọn %(count)s xã: mỗi lần chỉ được chọn tối đa %(limit)s xã. Hãy lọc theo huyện "
                "hoặc năm rồi làm từng đợt."
            )
            % {"count": len(ids), "limit": BULK_LIMIT},
        )
        return redirect(back_url)
    rounds = _selected_rounds(request.user, ids)
    missing = len(ids) - len(rounds)
    context = {
        "transition": transition,
        "queue": queue,
        "title": BULK_LABELS.get(transition.name, transition.label),
        "missing": missing,
        "from_to": _from_to(transition),
        "back": back,
        "back_url": back_url,
        "failures": [],
    }
    if request.POST.get("confirm") != "1":
        return render(request, "criteria/queue_confirm.html", {**context, **_lines(request.user, transition, rounds)})

    versions = {r.pk: _version(request, r.pk) for r in rounds}
    failures: list[tuple[AssessmentRound, str]] = []
    with transaction.atomic():
        for assessment_round in rounds:
            try:
                workflow.transition_take(
                    transition.name,
                    user=request.user,
                    assessment_round=assessment_round,
                    version=versions[assessment_round.pk],
                )
            except (WorkflowError, AccessDenied) as error:
                failures.append((assessment_round, str(error)))
        if failures or missing:
            transaction.set_rollback(True)  # all or nothing: no approval, log line, ledger row or e-mail is kept
    if failures or missing:
        # The rounds as they are again (the objects above saw the writes rolled back).
        lines = _lines(request.user, transition, _selected_rounds(request.user, ids))
        return render(request, "criteria/queue_confirm.html", {**context, **lines, "failures": failures}, status=409)
    messages.success(
        request,
        _("Đã “%(action)s” %(count)s xã: %(communes)s.")
        % {"action": transition.title, "count": len(rounds), "communes": ", ".join(r.commune.name for r in rounds)},
    )
    return redirect(back_url)


def _version(request: HttpRequest, pk: int) -> int | None:
    value = request.POST.get(f"version_{pk}", "")
    return int(value) if value.isdigit() and len(value) < 10 else None


def _from_to(transition: Transition) -> str:
    """The states the rounds leave and the one they reach: "Đã thẩm tra → Tỉnh đã thẩm định"."""
    before = " / ".join(str(RoundStatus(state).label) for state in transition.from_states)
    return f"{before} → {RoundStatus(transition.to_state).label}" if transition.to_state else before
