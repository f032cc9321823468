"""Browser views of the assessment workflow (issue 4): the round list, the round page with its actions, the review
queues, a commune's change log and the Excel template round trip.

The views parse input, call a service and show its answer; they decide nothing about permissions or states.
Scope: objects come from `Model.objects.visible_to(user)`, so another unit's object is a 404. Actions: the services
raise AccessDenied (a PermissionDenied: the site's 403 page shows its message), IllegalTransition and ConcurrentEdit
(shown as they are). Which panels the round page offers, and what each asks for, come from the transitions table
(criteria.services.transitions); one view, `round_transition`, takes any of them.
"""

from __future__ import annotations

import datetime
import os
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Case, IntegerField, Value, When
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from communes.choices import NtmLevel
from communes.models import AdministrativeUnit
from communes.permissions import units_in_scope, visible_communes
from ntm_portal import formats
from ntm_portal.access import AccessDenied, Action, action_q, can, own_commune_id, require
from ntm_portal.choices import UnitLevel
from ntm_portal.collation import vi_order
from ntm_portal.excel import XLSX_CONTENT_TYPE, ascii_filename, xlsx_response
from ntm_portal.tables import page_of

from . import ledger, selectors
from .choices import ChangeKind, Comparison, ReviewState, RoundStatus
from .filtersets import AssessmentRoundFilterSet
from .forms import (
    AsOfForm,
    EvidenceForm,
    ImportForm,
    RoundFilterForm,
    RoundStartForm,
    RoundValuesForm,
    TemplateDownloadForm,
    TransitionForm,
    comment_field_name,
    criterion_field_name,
    indicator_field_name,
    note_field_name,
    review_field_name,
)
from .models import AssessmentChange, AssessmentRound, Criterion, EvidenceFile, ExcelImportJob, Indicator
from .permissions import require_may_import
from .services import assessment as workflow
from .services import transitions
from .services.assessment import EDITABLE_STATES, ConcurrentEdit, InvalidValue, NeedsConfirmation, WorkflowError
from .services.excel import ExcelImportError, round_template_xlsx, rounds_import_xlsx
from .services.excel_jobs import excel_import_job_status, excel_import_request

# The transitions that share the per-criterion review form (its marks and comments sit in the criterion cards).
REVIEW_TRANSITIONS = ("review", "verify", "return_to_commune")


def _score(assessment_round: AssessmentRound) -> str:
    return f"{assessment_round.criteria_met}/{assessment_round.criteria_total}"


def _round_export_rows(rounds) -> list[list]:
    return [
        [
            r.commune.code,
            r.commune.name,
            r.commune.district.name if r.commune.district else "",
            r.year,
            r.get_status_display(),
            r.criteria_met,
            r.criteria_total,
            r.as_of,
        ]
        for r in rounds
    ]


def _round_export_columns() -> list[str]:
    return [
        _("Mã xã"),
        _("Xã"),
        _("Huyện"),
        _("Năm"),
        _("Trạng thái"),
        _("Số tiêu chí đạt"),
        _("Tổng số tiêu chí"),
        _("Số liệu tính đến"),
    ]


# --- 1. the round list -------------------------------------------------------------------------------------------


def _start_form(user, data=None) -> RoundStartForm | None:
    """The form to open a round, for a user who may enter some commune's values; None for everyone else."""
    unit = getattr(user, "unit", None)
    if own_commune_id(user) is not None and unit.is_commune:
        if not can(user, Action.EDIT, unit):
            return None
        return RoundStartForm(data, communes=None, fixed_commune=unit, auto_id="start-%s")
    communes = (
        AdministrativeUnit.objects.communes()
        .filter(action_q(user, Action.EDIT, path=""))
        .order_by(vi_order("name"), "pk")
    )
    return RoundStartForm(data, communes=communes, auto_id="start-%s") if communes.exists() else None


@login_required
@require_GET
def round_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    filterset = AssessmentRoundFilterSet(request.GET, queryset=selectors.round_list(user=user), request=request)
    rounds = filterset.qs
    if request.GET.get("format") == "xlsx":
        return xlsx_response(
            filename=_("Kỳ đánh giá NTM.xlsx"),
            title=_("Kỳ đánh giá"),
            columns=_round_export_columns(),
            rows=_round_export_rows(rounds),
        )
    districts = AdministrativeUnit.objects.districts().filter(pk__in=visible_communes(user).values("district_id"))
    context = {
        "page": page_of(request, rounds),
        "filter_form": RoundFilterForm(request.GET, districts=list(districts.order_by(vi_order("name"), "pk"))),
        "start_form": _start_form(user),
    }
    return render(request, "criteria/round_list.html", context)


@login_required
@require_POST
def round_start(request: HttpRequest) -> HttpResponse:
    form = _start_form(request.user, request.POST)
    if form is None:
        raise AccessDenied(_("Bạn không có quyền mở kỳ đánh giá cho xã nào."))
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return redirect("criteria:round_list")
    commune, year = form.chosen_commune(), form.cleaned_data["year"]
    try:
        assessment_round = workflow.round_start(user=request.user, commune=commune, year=year)
    except InvalidValue as error:
        messages.error(request, " ".join(error.errors.values()))
        return redirect("criteria:round_list")
    except WorkflowError as error:
        messages.error(request, str(error))
        return redirect("criteria:round_list")
    messages.success(
        request, _("Đã mở kỳ đánh giá năm %(year)s của %(commune)s.") % {"year": year, "commune": commune.name}
    )
    return redirect(assessment_round_url(assessment_round))


def assessment_round_url(assessment_round: AssessmentRound) -> str:
    return reverse("criteria:round_detail", args=[assessment_round.pk])


# --- 2. the round page ---------------------------------------------------------------------------------------------


@dataclass
class IndicatorRow:
    indicator: Indicator
    field: object  # a BoundField when the user may edit, else None
    value_text: str
    target_text: str
    met: bool | None
    note: str


@dataclass
class CriterionRow:
    criterion: Criterion
    met: bool | None
    assessed_as_whole: bool
    note: str
    review_comment: str
    review_state: str = ReviewState.PENDING
    indicators: list[IndicatorRow] = field(default_factory=list)
    met_field: object = None
    note_field: object = None
    review_field: object = None
    comment_field: object = None


def _review_counts(rows: list[CriterionRow]) -> dict[str, int]:
    counts = dict.fromkeys(ReviewState.values, 0)
    for row in rows:
        counts[row.review_state] += 1
    return counts


@dataclass
class RoundData:
    """What the round page and its actions read, loaded once: a fixed number of queries whatever the set's size."""

    assessment_round: AssessmentRound
    criteria: list[Criterion]
    values: dict
    results: dict

    @classmethod
    def load(cls, assessment_round: AssessmentRound) -> RoundData:
        criteria = list(
            Criterion.objects.filter(criteria_set_id=assessment_round.criteria_set_id)
            .select_related("criteria_set")
            .prefetch_related("indicators__targets")
            .order_by("number")
        )
        values = {v.indicator_id: v for v in assessment_round.indicator_values.all()}
        results = {r.criterion_id: r for r in assessment_round.criterion_results.all()}
        return cls(assessment_round, criteria, values, results)

    @property
    def indicators(self) -> list[Indicator]:
        return [i for c in self.criteria for i in c.indicators.all()]

    def values_form(self, data=None) -> RoundValuesForm:
        return RoundValuesForm(
            data,
            criteria=self.criteria,
            values=self.values,
            results=self.results,
            version=self.assessment_round.version,
        )


def _visible_round(request: HttpRequest, pk: int) -> AssessmentRound:
    rounds = AssessmentRound.objects.visible_to(request.user).select_related(
        "commune", "commune__district", "commune__province", "criteria_set", "recognition"
    )
    return get_object_or_404(rounds, pk=pk)


def _target_text(indicator: Indicator, threshold: Decimal | None) -> str:
    if indicator.comparison == Comparison.YES_NO:
        return _("Đạt")
    if threshold is None:
        return _("chưa có mức (chưa công bố)")
    sign = "≥" if indicator.comparison in (Comparison.AT_LEAST, Comparison.PERCENT_AT_LEAST) else "≤"
    return f"{sign} {_figure(indicator, threshold)}"


def _figure(indicator: Indicator, value: Decimal) -> str:
    """An indicator's figure with its unit: "85,5%" (percentages as everywhere: formats.percent), "12,5 km"."""
    if indicator.comparison in (Comparison.PERCENT_AT_LEAST, Comparison.PERCENT_AT_MOST):
        return formats.percent(value)
    return f"{formats.number(value)} {indicator.unit}".strip()


def _value_text(indicator: Indicator, value) -> str:
    if value is None:
        return _("Chưa nhập")
    if indicator.comparison == Comparison.YES_NO:
        return {True: _("Đạt"), False: _("Chưa đạt")}.get(value.value_bool, _("Chưa nhập"))
    if value.value_number is None:
        return _("Chưa nhập")
    return _figure(indicator, value.value_number)


def _round_page(
    request: HttpRequest,
    data: RoundData,
    *,
    values_form: RoundValuesForm | None = None,
    forms: dict | None = None,
    conflict: str = "",
    status: int = 200,
) -> HttpResponse:
    user, assessment_round = request.user, data.assessment_round
    commune = assessment_round.commune
    recognition = getattr(assessment_round, "recognition", None)
    state = assessment_round.status
    met, total, _unmet = ledger.round_score(assessment_round)
    offers = {offer.transition.name: offer for offer in transitions.offers(user, assessment_round)}
    editable = can(user, Action.EDIT, commune) and state in EDITABLE_STATES
    default_level = workflow.recognition_default_level(assessment_round.criteria_set)
    forms = dict(forms or {})
    for name, offer in offers.items():
        forms.setdefault(
            name,
            TransitionForm(
                transition=offer.transition,
                criteria=data.criteria,
                results=data.results,
                default_level=default_level,
                initial={"version": assessment_round.version},
            ),
        )
        forms[name].auto_id = f"{name}-%s"  # several panels have a "comment": ids stay unique on the page
    forms.setdefault("evidence", EvidenceForm(indicators=data.indicators))
    forms["evidence"].auto_id = "evidence-%s"
    if editable and values_form is None:
        values_form = data.values_form()
    # The review form the criterion cards' marks belong to: the one the user just sent, else the review's.
    offered_reviews = [n for n in REVIEW_TRANSITIONS if n in offers]
    review_form = next(
        (forms[n] for n in offered_reviews if forms[n].is_bound), forms[offered_reviews[0]] if offered_reviews else None
    )

    rows = []
    for criterion in data.criteria:
        result = data.results.get(criterion.pk)
        row = CriterionRow(
            criterion=criterion,
            met=result.met if result else None,
            assessed_as_whole=bool(result and result.assessed_as_whole),
            note=result.note if result else "",
            review_comment=result.review_comment if result else "",
            review_state=result.review_state if result else ReviewState.PENDING,
        )
        for indicator in criterion.indicators.all():
            value = data.values.get(indicator.pk)
            row.indicators.append(
                IndicatorRow(
                    indicator=indicator,
                    field=values_form[indicator_field_name(indicator)] if editable else None,
                    value_text=_value_text(indicator, value),
                    target_text=_target_text(indicator, workflow.applicable_threshold(indicator, commune)),
                    met=value.met if value else None,
                    note=value.note if value else "",
                )
            )
        if editable:
            if not row.indicators:
                row.met_field = values_form[criterion_field_name(criterion)]
            row.note_field = values_form[note_field_name(criterion)]
        if review_form is not None:
            row.review_field = review_form[review_field_name(criterion)]
            row.comment_field = review_form[comment_field_name(criterion)]
        rows.append(row)

    state_log = list(
        assessment_round.changes.filter(kind__in=[ChangeKind.STATE, ChangeKind.RECOGNITION])
        .select_related("changed_by")
        .order_by("-changed_at", "-pk")
    )
    context = {
        "round": assessment_round,
        "commune": commune,
        "recognition": recognition,
        "rows": rows,
        "met": met,
        "total": total,
        # The header names what the cards say: criteria not met, and criteria not assessed yet, apart.
        "unmet": [r.criterion for r in rows if r.met is False],
        "unassessed": [r.criterion for r in rows if r.met is None],
        "values_form": values_form,
        "editable": editable,
        "forms": forms,
        "review_form": review_form,
        "review_counts": _review_counts(rows),
        "returned_rows": [r for r in rows if r.review_state == ReviewState.RETURNED],
        "action_panels": [(offer, forms[name]) for name, offer in offers.items() if name not in REVIEW_TRANSITIONS],
        "review_panels": [(offers[n], forms[n]) for n in offered_reviews],
        "held_level": ledger.level_in_force(commune.pk, timezone.localdate()) if "recognise" in offers else None,
        "conflict": conflict,
        "evidence_files": list(assessment_round.evidence_files.select_related("indicator").order_by("-uploaded_at")),
        "state_log": [
            (change, _who(change), _describe(change, change.old_value), _describe(change, change.new_value))
            for change in state_log
        ],
    }
    return render(request, "criteria/round_detail.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def round_detail(request: HttpRequest, pk: int) -> HttpResponse:
    assessment_round = _visible_round(request, pk)
    if request.method == "GET":
        return _round_page(request, RoundData.load(assessment_round))
    require(request.user, Action.EDIT, assessment_round.commune)
    data = RoundData.load(assessment_round)
    form = data.values_form(request.POST)
    if not form.is_valid():
        messages.error(request, _("Một số ô nhập chưa đúng: xem các dòng báo đỏ bên dưới. Chưa lưu gì."))
        return _round_page(request, data, values_form=form)
    indicators, criteria = form.service_inputs()
    try:
        result = workflow.round_save(
            user=request.user,
            assessment_round=assessment_round,
            expected_version=form.cleaned_data["version"],
            indicators=indicators,
            criteria=criteria,
        )
    except ConcurrentEdit as error:
        # The user's input stays in the form (and its old version, so that saving again is refused again rather
        # than silently overwriting the other person's values).
        return _round_page(request, RoundData.load(assessment_round), values_form=form, conflict=str(error), status=409)
    except InvalidValue as error:
        for key, message in error.errors.items():
            form.add_error(form.field_for_error_key(key), message)
        messages.error(request, _("Một số giá trị không hợp lệ: xem các dòng báo đỏ bên dưới. Chưa lưu gì."))
        return _round_page(request, data, values_form=form)
    except WorkflowError as error:
        messages.error(request, str(error))
        return redirect(assessment_round_url(assessment_round))
    if result.changes:
        messages.success(request, _("Đã lưu %(count)s thay đổi.") % {"count": result.changes})
    else:
        messages.info(request, _("Không có thay đổi nào để lưu."))
    return redirect(assessment_round_url(assessment_round))


def _act(request: HttpRequest, pk: int, *, action: Action, name: str, form, perform, success: str) -> HttpResponse:
    """Run one write from its panel's form: 403 if the role may not, the form again with the service's InvalidValue
    messages, the refusal as a message for an illegal transition or a stale version, else PRG."""
    assessment_round = _visible_round(request, pk)
    require(request.user, action, assessment_round.commune)
    data = RoundData.load(assessment_round)
    if callable(form):
        form = form(data)
    if form.is_valid():
        try:
            outcome = perform(assessment_round, form)
        except NeedsConfirmation as error:
            form.add_error("confirm" if "confirm" in form.fields else None, str(error))
        except InvalidValue as error:
            for key, message in error.errors.items():
                form.add_error(key if key in form.fields else None, message)
        except WorkflowError as error:
            messages.error(request, str(error))
            return redirect(assessment_round_url(assessment_round))
        else:
            messages.success(request, success % {"commune": assessment_round.commune.name})
            if outcome is None:  # the round is gone (withdrawn)
                return redirect("criteria:round_list")
            return redirect(assessment_round_url(assessment_round))
    assessment_round.refresh_from_db()
    messages.error(request, _("Chưa thực hiện được: xem lỗi trong khung thao tác bên dưới."))
    return _round_page(request, RoundData.load(assessment_round), forms={name: form})


@login_required
@require_POST
def round_transition(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    """Any transition of the table, from its panel: the form is the one its row asks for."""
    transition = transitions.TRANSITIONS[name]

    def perform(assessment_round, form):
        return workflow.transition_take(
            name, user=request.user, assessment_round=assessment_round, **form.service_input()
        )

    def build(data):
        return TransitionForm(request.POST, transition=transition, criteria=data.criteria, results=data.results)

    return _act(
        request, pk, action=transition.action, name=name, form=build, perform=perform, success=str(transition.success)
    )


@login_required
@require_POST
def evidence_add(request: HttpRequest, pk: int) -> HttpResponse:
    def perform(assessment_round, form):
        cleaned = form.cleaned_data
        return workflow.evidence_add(
            user=request.user,
            assessment_round=assessment_round,
            file=cleaned["file"],
            indicator=cleaned.get("indicator"),
            description=cleaned["description"],
        )

    return _act(
        request,
        pk,
        action=Action.EDIT,
        name="evidence",
        form=lambda data: EvidenceForm(request.POST, request.FILES, indicators=data.indicators),
        perform=perform,
        success=_("Đã thêm hồ sơ minh chứng cho %(commune)s."),
    )


@login_required
@require_GET
def evidence_download(request: HttpRequest, pk: int) -> HttpResponse:
    """Evidence is served through its round's scope, never as a public media URL."""
    evidence = get_object_or_404(EvidenceFile.objects.visible_to(request.user), pk=pk)
    try:
        handle = evidence.file.open("rb")
    except FileNotFoundError as error:
        raise Http404(_("Tệp không còn trên máy chủ.")) from error
    return FileResponse(handle, as_attachment=True, filename=os.path.basename(evidence.file.name))


# --- 3. the review queues: criteria.queue_views ------------------------------------------------------------------


# --- 4. a commune's history ----------------------------------------------------------------------------------------

# Lazy: read in the request's language, not the one active when the module was imported.
FIELD_LABELS = {
    "status": gettext_lazy("trạng thái"),
    "met": gettext_lazy("kết quả"),
    "note": gettext_lazy("ghi chú"),
    "value_number": gettext_lazy("giá trị"),
    "value_bool": gettext_lazy("giá trị"),
    "review_comment": gettext_lazy("ý kiến thẩm tra"),
    "review_state": gettext_lazy("kết quả thẩm tra"),
    "revoked_on": gettext_lazy("thu hồi quyết định từ ngày"),
    "ntm_level": gettext_lazy("mức đạt chuẩn"),
    "file": gettext_lazy("tệp"),
}


def _describe(change: AssessmentChange, value) -> str:
    """An audit value in words: True → "Đạt", "submitted" → "Đã gửi thẩm tra", 85.5 with its unit."""
    name = change.field
    if name == "met":
        return {True: _("Đạt"), False: _("Chưa đạt")}.get(value, _("Chưa đánh giá"))
    if value is None or value == "":
        return "—"
    if name == "value_bool":
        return {True: _("Đạt"), False: _("Chưa đạt")}.get(value, str(value))
    if name == "status" and value in RoundStatus.values:
        return str(RoundStatus(value).label)
    if name == "ntm_level" and value in NtmLevel.values:
        return str(NtmLevel(value).label)
    if name == "review_state" and value in ReviewState.values:
        return str(ReviewState(value).label)
    if name == "revoked_on":
        try:
            return formats.date_text(datetime.date.fromisoformat(str(value)))
        except ValueError:
            return str(value)
    if name == "value_number":
        try:
            number = Decimal(str(value))
        except InvalidOperation:  # the log keeps whatever was written; show it as it is
            return str(value)
        return _figure(change.indicator, number) if change.indicator else formats.number(number)
    if name == "file":
        return os.path.basename(str(value))
    return str(value)


def _who(change: AssessmentChange) -> str:
    user = change.changed_by
    return (user.get_full_name() or user.username) if user else _("(tài khoản đã xóa)")


def _what(change: AssessmentChange) -> str:
    label = FIELD_LABELS.get(change.field, change.field)
    if change.indicator_id:
        return f"{_('Chỉ tiêu')} {change.indicator.code} {change.indicator.name} — {label}"
    if change.criterion_id:
        return f"{_('Tiêu chí')} {change.criterion.number}. {change.criterion.name} — {label}"
    return str(change.get_kind_display())


@dataclass
class AsOfRow:
    assessment_round: AssessmentRound
    status: str | None  # None: the round did not exist yet
    met: int
    total: int
    unmet_numbers: list[int]


@login_required
@require_GET
def commune_history(request: HttpRequest, commune_pk: int) -> HttpResponse:
    user = request.user
    commune = get_object_or_404(visible_communes(user).select_related("district"), pk=commune_pk)
    changes = (
        AssessmentChange.objects.visible_to(user)
        .filter(commune=commune)
        .select_related("changed_by", "assessment_round", "criterion", "indicator")
        .order_by("-changed_at", "-pk")
    )
    page = page_of(request, changes)
    rows = [(c, _who(c), _what(c), _describe(c, c.old_value), _describe(c, c.new_value)) for c in page.object_list]

    rounds = list(selectors.round_list(user=user).filter(commune=commune))
    as_of_form = AsOfForm(request.GET if "as_of" in request.GET else None)
    as_of_rows = []
    if as_of_form.is_valid():
        moment = as_of_form.moment()
        # round_as_of reads one round's log (three queries a round): a commune has one round a year, so this is
        # bounded by the years of the programme, not by the size of the province.
        for assessment_round in rounds:
            if assessment_round.created_at > moment:
                as_of_rows.append(AsOfRow(assessment_round, None, 0, assessment_round.criteria_total, []))
                continue
            snapshot = workflow.round_as_of(assessment_round, moment)
            if snapshot is None:
                as_of_rows.append(AsOfRow(assessment_round, None, 0, assessment_round.criteria_total, []))
                continue
            unmet = sorted(number for number, met in snapshot.criteria.items() if met is not True)
            as_of_rows.append(
                AsOfRow(
                    assessment_round,
                    str(RoundStatus(snapshot.status).label) if snapshot.status in RoundStatus.values else "",
                    sum(1 for met in snapshot.criteria.values() if met is True),
                    assessment_round.criteria_total,
                    unmet,
                )
            )
    context = {
        "commune": commune,
        "page": page,
        "rows": rows,
        "round_rows": list(zip(rounds, as_of_rows or [None] * len(rounds), strict=True)),
        "show_as_of": bool(as_of_rows),
        "as_of_form": as_of_form,
    }
    return render(request, "criteria/history.html", context)


# --- 5. Excel template and import ------------------------------------------------------------------------------


def _units_for_templates(user):
    rank = Case(
        When(level=UnitLevel.PROVINCE, then=Value(0)),
        When(level=UnitLevel.DISTRICT, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    return units_in_scope(user).annotate(level_rank=rank).order_by("level_rank", vi_order("name"), "pk")


def _excel_page(request, *, template_form=None, import_form=None, import_errors=None, status=200) -> HttpResponse:
    units = _units_for_templates(request.user)
    template_form = template_form or TemplateDownloadForm(units=units)
    import_form = import_form or ImportForm()
    template_form.auto_id, import_form.auto_id = "template-%s", "import-%s"  # both have a "year"
    context = {"template_form": template_form, "import_form": import_form, "import_errors": import_errors}
    return render(request, "criteria/excel.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def excel(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _excel_page(request)
    require_may_import(request.user)  # before the upload is looked at
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _excel_page(request, import_form=form)
    upload, year = form.cleaned_data["file"], form.cleaned_data["year"]
    try:
        if upload.size > settings.EXCEL_IMPORT_ASYNC_ABOVE_BYTES:
            job = excel_import_request(user=request.user, file=upload, year=year)
            return redirect("criteria:excel_job", pk=job.pk)
        report = rounds_import_xlsx(user=request.user, file=upload, year=year)
    except ExcelImportError as error:
        return _excel_page(request, import_form=form, import_errors=list(error.errors))
    except WorkflowError as error:
        form.add_error(None, str(error))
        return _excel_page(request, import_form=form)
    messages.success(
        request,
        _("Đã nhập số liệu: %(created)s kỳ đánh giá mới, %(changed)s kỳ được cập nhật, %(values)s giá trị thay đổi.")
        % {"created": report.rounds_created, "changed": report.rounds_changed, "values": report.values_changed},
    )
    if report.communes:
        messages.info(request, _("Các xã: %(communes)s.") % {"communes": ", ".join(report.communes)})
    return redirect("criteria:excel")


@login_required
@require_GET
def excel_job(request: HttpRequest, pk: int) -> HttpResponse:
    """A large upload being imported by a worker: its progress, then what changed or every problem found."""
    job = get_object_or_404(ExcelImportJob.objects.visible_to(request.user), pk=pk)
    return render(request, "criteria/excel_job.html", {"job": job, "status": excel_import_job_status(job)})


@login_required
@require_GET
def excel_job_status(request: HttpRequest, pk: int) -> JsonResponse:
    """What the progress bar polls every second."""
    return JsonResponse(
        excel_import_job_status(get_object_or_404(ExcelImportJob.objects.visible_to(request.user), pk=pk))
    )


@login_required
@require_GET
def excel_template(request: HttpRequest) -> HttpResponse:
    units = _units_for_templates(request.user)
    form = TemplateDownloadForm(request.GET, units=units)
    unit_pk = request.GET.get("unit", "")
    if unit_pk.isdigit() and not units.filter(pk=unit_pk).exists():
        raise Http404(_("Không tìm thấy đơn vị."))
    if not form.is_valid():
        return _excel_page(request, template_form=form)
    unit, year = form.cleaned_data["unit"], form.cleaned_data["year"]
    try:
        content = round_template_xlsx(user=request.user, unit=unit, year=year)
    except InvalidValue as error:
        form.add_error(None, " ".join(error.errors.values()))
        return _excel_page(request, template_form=form)
    filename = ascii_filename(f"mau-danh-gia-{unit.name}-{year}.xlsx")
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response
