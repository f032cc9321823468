"""Browser screens of the secondment side (issue 7): agencies, cadres, secondment batches, secondments, sponsor
assignments, work plans with their items, field visits and support contributions.

Each kind has a list (its shared FilterSet as the filter form, 50 rows a page, "Xuất Excel" of the filtered rows) and
pages to add, change and delete one; secondments, sponsor assignments and work plans have a page of their own.

As in criteria.views, the views parse input, call a service and show its answer; they decide nothing about
permissions. Scope: rows come from `Model.objects.visible_to(user)`, so another unit's
record is a 404. Writes: `access.may_change_any` / `can_change` decide which buttons to offer and refuse a page up
front (403, with the plain message); the services ask again, and their AccessDenied is a 403 too, their
ValidationError goes back on the form.

Lists never ask `can_change` per row (for a liaison it reads the agency's assignments, a query a row): a row offers
"Sửa" when the user's role may change that kind at all, and the edit page asks about the record itself.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import django_filters
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.paginator import Paginator
from django.db import models
from django.db.models import Count, DecimalField, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from communes.choices import UnitLevel
from criteria.models import Criterion
from ntm_portal import access, formats
from ntm_portal.access import AccessDenied
from ntm_portal.choices import Role
from ntm_portal.collation import vi_order
from ntm_portal.excel import Money, xlsx_response

from . import services
from .choices import PlanItemStatus
from .filtersets import (
    AgencyFilterSet,
    CadreFilterSet,
    FieldVisitFilterSet,
    SecondmentBatchFilterSet,
    SecondmentFilterSet,
    SponsorAssignmentFilterSet,
    SupportContributionFilterSet,
    WorkPlanFilterSet,
)
from .forms import (
    DATE_INPUT_FORMATS,
    AgencyForm,
    CadreForm,
    DateInput,
    FieldVisitForm,
    SecondmentBatchForm,
    SecondmentCloseForm,
    SecondmentForm,
    SponsorAssignmentForm,
    SupportContributionForm,
    WorkPlanForm,
    WorkPlanItemForm,
)
from .history import assignment_history, record_history
from .models import (
    Agency,
    Cadre,
    FieldVisit,
    Secondment,
    SecondmentBatch,
    SponsorAssignment,
    SupportContribution,
    WorkPlan,
    WorkPlanItem,
)

PAGE_SIZE = 50
DETAIL_ROWS = 20  # visits and support shown on an assignment's page; the rest are one link away


# --- shared steps ------------------------------------------------------------------------------------------------


def _denied(request: HttpRequest, error: AccessDenied) -> HttpResponse:
    return render(request, "secondments/denied.html", {"message": str(error)}, status=403)


def _change_denied(model: type[models.Model]) -> AccessDenied:
    return AccessDenied(access.CHANGE_DENIED % {"what": model._meta.verbose_name})


def _page(request: HttpRequest, rows):
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)  # materialised before the template reads it
    return page


def _errors_to_form(form: forms.BaseForm, error: ValidationError) -> None:
    """A service's ValidationError, each message next to its field (or above the form)."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for name, errors in error.message_dict.items():
        form.add_error(name if name in form.fields and name != NON_FIELD_ERRORS else None, errors)


def _liaison_agency(user) -> Agency | None:
    """An agency liaison records visits and support for its own agency: the form does not ask which."""
    return user.agency if user.role == Role.AGENCY_LIAISON and user.agency_id else None


def _initial_from(request: HttpRequest, *names: str) -> dict[str, str]:
    """Prefill from a link (`?commune=3&agency=7`); a key the user cannot see is simply not selected."""
    return {name: request.GET[name] for name in names if request.GET.get(name, "").isdigit()}


def _days(value: Decimal | None) -> str:
    """1.50 → "1,5"; 2.0 → "2"."""
    return formats.number(value)


# --- lists: the shared FilterSet as the page's filter form ----------------------------------------------------------


class ChoiceOfMany(forms.Select):
    """A drop-down for a key filter that takes several values (`?commune_id=1&commune_id=2`): the page picks one, a
    link may carry several; "Tất cả" sends nothing."""

    def value_from_datadict(self, data, files, name):
        values = data.getlist(name) if hasattr(data, "getlist") else [data.get(name)]
        return [value for value in values if value not in (None, "")]


@dataclass(frozen=True)
class Listing:
    """How one kind is listed."""

    name: str  # URL names <name>_list, <name>_create, <name>_edit, <name>_delete
    model: type[models.Model]
    filterset_class: type[django_filters.FilterSet]
    filters: dict[str, Any]  # the FilterSet's filters the page shows, with the label the page gives them
    rows: Callable[[Any], QuerySet]  # the user's rows, with the joins the page and the export read
    title: Any
    filename: str
    columns: Callable[[], list[str]]
    export_row: Callable[[Any], list]
    summary: Callable[[QuerySet], dict] | None = None  # totals of the filtered rows, one aggregate query
    decorate: Callable[[Any], None] | None = None  # words and figures for the page's rows
    narrow: dict[str, Callable[[QuerySet], QuerySet]] = field(default_factory=dict)  # fewer choices on the page
    hidden: tuple[str, ...] = ()  # filters a link may set (`?cadre_id=7` from the cadre list) that the page keeps

    @property
    def template(self) -> str:
        return f"secondments/{self.name}_list.html"


def _filter_form(filterset: django_filters.FilterSet, listing: Listing) -> forms.Form:
    """The FilterSet's own form, cut to the filters the page shows, with widgets for a person: a drop-down of the
    rows the user sees per key filter (materialised here, one query each), check boxes for choices, date pickers.
    A key filter with nothing to choose from is left out."""
    form = filterset.form
    # The page's filters in the page's order, then the hidden ones; the API's other filters are dropped.
    form.fields = {name: form.fields[name] for name in (*listing.filters, *listing.hidden)}
    for name in listing.hidden:
        form.fields[name].widget = forms.MultipleHiddenInput()
    for name, form_field in list(form.fields.items()):
        if name in listing.hidden:
            continue
        form_field.label = listing.filters[name]
        form_field.help_text = ""
        if isinstance(form_field, forms.ModelMultipleChoiceField):
            if name in listing.narrow:
                form_field.queryset = listing.narrow[name](form_field.queryset)
            choices = [("", _("Tất cả"))]
            choices.extend(iter(form_field.choices))  # iter(): a list would ask the iterator's len(), a COUNT query
            if len(choices) == 1:
                del form.fields[name]
                continue
            form_field.widget = ChoiceOfMany(choices=choices)
        elif isinstance(form_field, forms.MultipleChoiceField):
            form_field.widget = forms.CheckboxSelectMultiple(choices=form_field.choices)
        elif isinstance(form_field, forms.DateField):
            form_field.widget = DateInput()
            form_field.input_formats = DATE_INPUT_FORMATS
        elif isinstance(form_field, forms.IntegerField):
            form_field.widget = forms.TextInput(attrs={"inputmode": "numeric"})
    return form


def _list(request: HttpRequest, listing: Listing) -> HttpResponse:
    user = request.user
    filterset = listing.filterset_class(request.GET or None, queryset=listing.rows(user), request=request)
    form = _filter_form(filterset, listing)
    valid = not filterset.is_bound or filterset.is_valid()
    rows = filterset.qs if valid else filterset.queryset.none()  # a filter the page cannot read shows nothing
    if request.GET.get("format") == "xlsx":
        return xlsx_response(
            filename=listing.filename,
            title=str(listing.title),
            columns=listing.columns(),
            rows=(listing.export_row(row) for row in rows),
        )
    page = _page(request, rows)
    if listing.decorate:
        for row in page.object_list:
            listing.decorate(row)
    context = {
        "listing": listing,
        "page": page,
        "filter_form": form,
        "filters_invalid": not valid,
        "summary": listing.summary(rows) if listing.summary else None,
        "may_create": access.may_change_any(user, listing.model),
        "create_url": reverse(f"secondments:{listing.name}_create"),
        "list_url": reverse(f"secondments:{listing.name}_list"),
    }
    return render(request, listing.template, context)


# --- forms: add, change, delete ------------------------------------------------------------------------------------


def _form_page(request: HttpRequest, *, form, title: str, cancel_url: str, delete_url: str = "", status: int = 200,
               intro: str = "") -> HttpResponse:  # fmt: skip
    context = {"form": form, "title": title, "cancel_url": cancel_url, "delete_url": delete_url, "intro": intro}
    return render(request, "secondments/form.html", context, status=status)


def _create(
    request: HttpRequest, *, model: type[models.Model], build_form: Callable, create: Callable, done: Callable,
    cancel_url: str, extra: dict | None = None, check: models.Model | None = None, intro: str = "",
) -> HttpResponse:  # fmt: skip
    """Add one record: the form (GET), then the service (POST) and a redirect to `done(record)`.

    `check`: a record the page adds to (a work plan's item) — the page is refused unless the user may add to it."""
    user = request.user
    if not access.may_change_any(user, model) or (check is not None and not access.can_change(user, check)):
        return _denied(request, _change_denied(model))
    data = request.POST if request.method == "POST" else None
    form = build_form(data)
    if data is not None and form.is_valid():
        try:
            record = create(user=user, **form.cleaned_data, **(extra or {}))
        except AccessDenied as error:
            return _denied(request, error)
        except ValidationError as error:
            _errors_to_form(form, error)
        else:
            messages.success(request, _("Đã thêm %(what)s: %(record)s.") % {"what": model._meta.verbose_name,
                                                                            "record": record})  # fmt: skip
            return redirect(done(record))
    title = _("Thêm %(what)s") % {"what": model._meta.verbose_name}
    return _form_page(request, form=form, title=title, cancel_url=cancel_url, intro=intro)


def _edit(
    request: HttpRequest, *, record: models.Model, build_form: Callable, update: Callable, done: Callable,
    cancel_url: str, delete_url: str,
) -> HttpResponse:  # fmt: skip
    user = request.user
    model = type(record)
    if not access.can_change(user, record):
        return _denied(request, _change_denied(model))
    data = request.POST if request.method == "POST" else None
    form = build_form(data, record)
    if data is not None and form.is_valid():
        try:
            # The form has written its values onto `record`; the service starts again from the stored row.
            record = update(user=user, instance=record, **form.cleaned_data)
        except AccessDenied as error:
            return _denied(request, error)
        except ValidationError as error:
            _errors_to_form(form, error)
        else:
            messages.success(request, _("Đã lưu %(what)s: %(record)s.") % {"what": model._meta.verbose_name,
                                                                           "record": record})  # fmt: skip
            return redirect(done(record))
    title = _("Sửa %(what)s") % {"what": model._meta.verbose_name}
    return _form_page(request, form=form, title=title, cancel_url=cancel_url, delete_url=delete_url)


def _delete(request: HttpRequest, *, record: models.Model, delete: Callable, done_url: str, back_url: str):
    user = request.user
    model = type(record)
    if not access.can_change(user, record):
        return _denied(request, _change_denied(model))
    label = str(record)
    try:
        delete(user=user, instance=record)
    except AccessDenied as error:
        return _denied(request, error)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(back_url)
    messages.success(request, _("Đã xóa %(what)s: %(record)s.") % {"what": model._meta.verbose_name, "record": label})
    return redirect(done_url)


def _url(name: str, *args) -> str:
    return reverse(f"secondments:{name}", args=args)


# --- 1. agencies -----------------------------------------------------------------------------------------------------


def _agencies(user) -> QuerySet[Agency]:
    return Agency.objects.visible_to(user).select_related("unit", "parent").order_by(vi_order("name"), "pk")


AGENCIES = Listing(
    name="agency",
    model=Agency,
    filterset_class=AgencyFilterSet,
    filters={
        "q": gettext_lazy("Tìm theo tên"),
        "kind": gettext_lazy("Loại"),
        "level": gettext_lazy("Cấp"),
        "unit_id": gettext_lazy("Thuộc đơn vị"),
    },  # fmt: skip
    narrow={"unit_id": lambda units: units.filter(level__in=[UnitLevel.PROVINCE, UnitLevel.DISTRICT])},
    rows=_agencies,
    title=gettext_lazy("Cơ quan, đơn vị, doanh nghiệp"),
    filename=gettext_lazy("Cơ quan, đơn vị.xlsx"),
    columns=lambda: [
        _("Tên"),
        _("Tên viết tắt"),
        _("Loại"),
        _("Cấp"),
        _("Thuộc đơn vị"),
        _("Cơ quan cấp trên"),
        _("Liên hệ"),
    ],  # fmt: skip
    export_row=lambda a: [
        a.name,
        a.short_name,
        a.get_kind_display(),
        a.get_level_display(),
        a.unit.name,
        a.parent.name if a.parent else "",
        a.contact,
    ],  # fmt: skip
)


@login_required
@require_GET
def agency_list(request: HttpRequest) -> HttpResponse:
    return _list(request, AGENCIES)


@login_required
@require_http_methods(["GET", "POST"])
def agency_create(request: HttpRequest) -> HttpResponse:
    return _create(request, model=Agency, create=services.agency_create,
                   build_form=lambda data: AgencyForm(data, user=request.user),
                   done=lambda a: _url("agency_list"), cancel_url=_url("agency_list"))  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def agency_edit(request: HttpRequest, pk: int) -> HttpResponse:
    agency = get_object_or_404(_agencies(request.user), pk=pk)
    return _edit(request, record=agency, update=services.agency_update,
                 build_form=lambda data, a: AgencyForm(data, instance=a, user=request.user),
                 done=lambda a: _url("agency_list"), cancel_url=_url("agency_list"),
                 delete_url=_url("agency_delete", pk))  # fmt: skip


@login_required
@require_POST
def agency_delete(request: HttpRequest, pk: int) -> HttpResponse:
    agency = get_object_or_404(_agencies(request.user), pk=pk)
    return _delete(request, record=agency, delete=services.agency_delete, done_url=_url("agency_list"),
                   back_url=_url("agency_edit", pk))  # fmt: skip


# --- 2. cadres -------------------------------------------------------------------------------------------------------


def _cadres(user) -> QuerySet[Cadre]:
    # How often each was sent (seed 000: "a person may be seconded more than once"), counted among the secondments
    # the user sees, as a subquery: a join would repeat the rows that visible_cadres' OR lets through.
    seconded = (
        Secondment.objects.visible_to(user).filter(cadre=OuterRef("pk")).order_by().values("cadre")
        .annotate(n=Count("pk")).values("n")
    )  # fmt: skip
    return (
        Cadre.objects.visible_to(user)
        .select_related("home_agency")
        .annotate(secondments_count=Coalesce(Subquery(seconded, output_field=IntegerField()), 0))
        .order_by(vi_order("full_name"), "pk")
    )


CADRES = Listing(
    name="cadre",
    model=Cadre,
    filterset_class=CadreFilterSet,
    filters={
        "q": gettext_lazy("Tìm theo tên, chức vụ"),
        "home_agency_id": gettext_lazy("Cơ quan công tác"),
        "gender": gettext_lazy("Giới tính"),
    },  # fmt: skip
    rows=_cadres,
    title=gettext_lazy("Cán bộ"),
    filename=gettext_lazy("Cán bộ.xlsx"),
    columns=lambda: [
        _("Họ và tên"),
        _("Giới tính"),
        _("Năm sinh"),
        _("Chức vụ"),
        _("Cơ quan công tác"),
        _("Điện thoại"),
        _("Email"),
        _("Số lần được cử"),
    ],  # fmt: skip
    export_row=lambda c: [
        c.full_name,
        c.get_gender_display(),
        c.birth_year,
        c.title,
        c.home_agency.name,
        c.phone,
        c.email,
        c.secondments_count,
    ],  # fmt: skip
)


@login_required
@require_GET
def cadre_list(request: HttpRequest) -> HttpResponse:
    return _list(request, CADRES)


@login_required
@require_http_methods(["GET", "POST"])
def cadre_create(request: HttpRequest) -> HttpResponse:
    return _create(request, model=Cadre, create=services.cadre_create,
                   build_form=lambda data: CadreForm(data, user=request.user, initial=_initial_from(request,
                                                                                                    "home_agency")),
                   done=lambda c: _url("cadre_list"), cancel_url=_url("cadre_list"))  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def cadre_edit(request: HttpRequest, pk: int) -> HttpResponse:
    cadre = get_object_or_404(_cadres(request.user), pk=pk)
    return _edit(request, record=cadre, update=services.cadre_update,
                 build_form=lambda data, c: CadreForm(data, instance=c, user=request.user),
                 done=lambda c: _url("cadre_list"), cancel_url=_url("cadre_list"),
                 delete_url=_url("cadre_delete", pk))  # fmt: skip


@login_required
@require_POST
def cadre_delete(request: HttpRequest, pk: int) -> HttpResponse:
    cadre = get_object_or_404(_cadres(request.user), pk=pk)
    return _delete(request, record=cadre, delete=services.cadre_delete, done_url=_url("cadre_list"),
                   back_url=_url("cadre_edit", pk))  # fmt: skip


# --- 3. secondment batches -----------------------------------------------------------------------------------------


def _batches(user) -> QuerySet[SecondmentBatch]:
    sent = (
        Secondment.objects.visible_to(user).filter(batch=OuterRef("pk")).order_by().values("batch")
        .annotate(n=Count("pk")).values("n")
    )  # fmt: skip
    return (
        SecondmentBatch.objects.visible_to(user)
        .select_related("province")
        .annotate(secondments_count=Coalesce(Subquery(sent, output_field=IntegerField()), 0))
        .order_by("-year", vi_order("name"), "pk")
    )


BATCHES = Listing(
    name="batch",
    model=SecondmentBatch,
    filterset_class=SecondmentBatchFilterSet,
    filters={"q": gettext_lazy("Tìm theo tên đợt, số văn bản"), "year": gettext_lazy("Năm")},
    rows=_batches,
    title=gettext_lazy("Đợt cử cán bộ"),
    filename=gettext_lazy("Đợt cử cán bộ.xlsx"),
    columns=lambda: [
        _("Tên đợt"),
        _("Năm"),
        _("Tỉnh"),
        _("Cơ quan quyết định"),
        _("Số văn bản"),
        _("Ngày văn bản"),
        _("Số cán bộ được cử"),
    ],  # fmt: skip
    export_row=lambda b: [
        b.name,
        b.year,
        b.province.name,
        b.decided_by,
        b.decision_number,
        b.decision_date,
        b.secondments_count,
    ],  # fmt: skip
)


@login_required
@require_GET
def batch_list(request: HttpRequest) -> HttpResponse:
    return _list(request, BATCHES)


@login_required
@require_http_methods(["GET", "POST"])
def batch_create(request: HttpRequest) -> HttpResponse:
    return _create(request, model=SecondmentBatch, create=services.secondment_batch_create,
                   build_form=lambda data: SecondmentBatchForm(data, user=request.user),
                   done=lambda b: _url("batch_list"), cancel_url=_url("batch_list"))  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def batch_edit(request: HttpRequest, pk: int) -> HttpResponse:
    batch = get_object_or_404(_batches(request.user), pk=pk)
    return _edit(request, record=batch, update=services.secondment_batch_update,
                 build_form=lambda data, b: SecondmentBatchForm(data, instance=b, user=request.user),
                 done=lambda b: _url("batch_list"), cancel_url=_url("batch_list"),
                 delete_url=_url("batch_delete", pk))  # fmt: skip


@login_required
@require_POST
def batch_delete(request: HttpRequest, pk: int) -> HttpResponse:
    batch = get_object_or_404(_batches(request.user), pk=pk)
    return _delete(request, record=batch, delete=services.secondment_batch_delete, done_url=_url("batch_list"),
                   back_url=_url("batch_edit", pk))  # fmt: skip


# --- 4. secondments ------------------------------------------------------------------------------------------------


def _secondments(user) -> QuerySet[Secondment]:
    return (
        Secondment.objects.visible_to(user)
        .select_related("cadre", "cadre__home_agency", "commune", "commune__district", "batch")
        .order_by("-start_date", "-pk")
    )


def _criteria_change(s: Secondment) -> str:
    """ "9 → 19 (+10)", "9 → …" while it lasts, "—" when unknown."""
    start, end = s.criteria_met_at_start, s.criteria_met_at_end
    if start is None and end is None:
        return "—"
    text = f"{'?' if start is None else start} → {'…' if end is None else end}"
    if start is not None and end is not None:
        text += f" ({end - start:+d})"
    return text


def _decorate_secondment(s: Secondment) -> None:
    s.criteria_text = _criteria_change(s)


SECONDMENTS = Listing(
    name="secondment",
    model=Secondment,
    filterset_class=SecondmentFilterSet,
    filters={
        "q": gettext_lazy("Tìm theo tên cán bộ hoặc tên xã"),
        "district_id": gettext_lazy("Huyện"),
        "commune_id": gettext_lazy("Xã"),
        "batch_id": gettext_lazy("Đợt"),
        "home_agency_id": gettext_lazy("Cơ quan cử"),
        "kind": gettext_lazy("Hình thức"),
        "active_on": gettext_lazy("Đang công tác tại xã vào ngày"),
        "start_year": gettext_lazy("Năm bắt đầu"),
    },  # fmt: skip
    rows=_secondments,
    title=gettext_lazy("Biệt phái, luân chuyển cán bộ về xã"),
    filename=gettext_lazy("Biệt phái, luân chuyển.xlsx"),
    columns=lambda: [
        _("Cán bộ"),
        _("Cơ quan cử"),
        _("Mã xã"),
        _("Xã"),
        _("Huyện"),
        _("Hình thức"),
        _("Chức danh tại xã"),
        _("Cơ quan quyết định"),
        _("Số quyết định"),
        _("Ngày quyết định"),
        _("Đợt"),
        _("Ngày bắt đầu"),
        _("Kết thúc dự kiến"),
        _("Kết thúc thực tế"),
        _("Số tiêu chí khi đến"),
        _("Số tiêu chí khi kết thúc"),
    ],  # fmt: skip
    export_row=lambda s: [
        s.cadre.full_name,
        s.cadre.home_agency.name,
        s.commune.code,
        s.commune.name,
        s.commune.district.name if s.commune.district else "",
        s.get_kind_display(),
        s.role_at_commune,
        s.decided_by,
        s.decision_number,
        s.decision_date,
        s.batch.name if s.batch else "",
        s.start_date,
        s.planned_end_date,
        s.actual_end_date,
        s.criteria_met_at_start,
        s.criteria_met_at_end,
    ],  # fmt: skip
    decorate=_decorate_secondment,
    hidden=("cadre_id",),
)


@login_required
@require_GET
def secondment_list(request: HttpRequest) -> HttpResponse:
    return _list(request, SECONDMENTS)


def _secondment_page(request: HttpRequest, secondment: Secondment, *, close_form=None, status=200) -> HttpResponse:
    user = request.user
    may_change = access.can_change(user, secondment)
    visits = list(
        secondment.field_visits.select_related("agency", "commune")
        .prefetch_related(Prefetch("criteria_addressed", Criterion.objects.order_by("number")))
        .order_by("-visit_date", "-pk")[:PAGE_SIZE]
    )
    for visit in visits:
        _decorate_visit(visit)
    if close_form is None and may_change:
        close_form = SecondmentCloseForm(initial={"actual_end_date": secondment.actual_end_date
                                                  or timezone.localdate()})  # fmt: skip
    history, history_total = record_history(secondment)
    context = {
        "secondment": secondment,
        "history": history,
        "history_total": history_total,
        "criteria_text": _criteria_change(secondment),
        "may_change": may_change,
        "close_form": close_form if may_change else None,
        "visits": visits,
        "may_add_visit": access.may_change_any(user, FieldVisit),
    }
    return render(request, "secondments/secondment_detail.html", context, status=status)


@login_required
@require_GET
def secondment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    secondment = get_object_or_404(_secondments(request.user), pk=pk)
    return _secondment_page(request, secondment)


@login_required
@require_http_methods(["GET", "POST"])
def secondment_create(request: HttpRequest) -> HttpResponse:
    return _create(request, model=Secondment, create=services.secondment_create,
                   build_form=lambda data: SecondmentForm(data, user=request.user,
                                                          initial=_initial_from(request, "cadre", "commune", "batch")),
                   done=lambda s: _url("secondment_detail", s.pk), cancel_url=_url("secondment_list"))  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def secondment_edit(request: HttpRequest, pk: int) -> HttpResponse:
    secondment = get_object_or_404(_secondments(request.user), pk=pk)
    return _edit(request, record=secondment, update=services.secondment_update,
                 build_form=lambda data, s: SecondmentForm(data, instance=s, user=request.user),
                 done=lambda s: _url("secondment_detail", s.pk), cancel_url=_url("secondment_detail", pk),
                 delete_url=_url("secondment_delete", pk))  # fmt: skip


@login_required
@require_POST
def secondment_close(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    secondment = get_object_or_404(_secondments(user), pk=pk)
    if not access.can_change(user, secondment):
        return _denied(request, _change_denied(Secondment))
    form = SecondmentCloseForm(request.POST)
    if form.is_valid():
        try:
            secondment = services.secondment_close(
                user=user, secondment=secondment, actual_end_date=form.cleaned_data["actual_end_date"]
            )
        except AccessDenied as error:
            return _denied(request, error)
        except ValidationError as error:
            _errors_to_form(form, error)
        else:
            messages.success(
                request,
                _("Đã ghi kết thúc biệt phái của %(cadre)s tại %(commune)s ngày %(day)s. Số tiêu chí: %(change)s.")
                % {"cadre": secondment.cadre, "commune": secondment.commune.name,
                   "day": formats.date_text(secondment.actual_end_date),
                   "change": _criteria_change(secondment)},
            )  # fmt: skip
            return redirect("secondments:secondment_detail", pk=pk)
    secondment = get_object_or_404(_secondments(user), pk=pk)  # as stored, not as the form left it
    return _secondment_page(request, secondment, close_form=form)


@login_required
@require_POST
def secondment_delete(request: HttpRequest, pk: int) -> HttpResponse:
    secondment = get_object_or_404(_secondments(request.user), pk=pk)
    return _delete(request, record=secondment, delete=services.secondment_delete,
                   done_url=_url("secondment_list"), back_url=_url("secondment_detail", pk))  # fmt: skip


# --- 5. sponsor assignments ----------------------------------------------------------------------------------------


def _visits_in_assignment(ref: Callable[[str], Any]) -> Q:
    """The visits of an assignment's agency to its commune within its period (`ref` names the assignment's column:
    OuterRef for a subquery, the loaded value for a page)."""
    return Q(agency=ref("agency_id"), commune=ref("commune_id"), visit_date__gte=ref("start_date"),
             visit_date__lte=ref("until"))  # fmt: skip


def _support_in_assignment(ref: Callable[[str], Any]) -> Q:
    return Q(giver=ref("agency_id"), commune=ref("commune_id"), date__gte=ref("start_date"), date__lte=ref("until"))


def _total(queryset: QuerySet, expression, output) -> Subquery:
    return Coalesce(
        Subquery(queryset.order_by().values("commune").annotate(total=expression).values("total"), output_field=output),
        Value(0, output_field=output),
    )


def _assignments(user) -> QuerySet[SponsorAssignment]:
    """The user's assignments, each with its agency's presence in the commune during the assignment (seed 003: who
    comes "a few times a year, a few hours each" shows at a glance) and the support it gave."""
    visits = FieldVisit.objects.filter(_visits_in_assignment(OuterRef))
    support = SupportContribution.objects.filter(_support_in_assignment(OuterRef))
    days = DecimalField(max_digits=8, decimal_places=1)
    return (
        SponsorAssignment.objects.visible_to(user)
        .select_related("agency", "commune", "commune__district")
        .annotate(until=Coalesce("end_date", Value(datetime.date.max)))
        .annotate(
            visits_count=_total(visits, Count("pk"), IntegerField()),
            days_on_site=_total(visits, Sum("days_on_site"), days),
            hours_on_site=_total(visits, Sum("hours_on_site"), days),
            last_visit=Subquery(visits.order_by("-visit_date").values("visit_date")[:1]),
            support_vnd=_total(support, Sum("value_vnd"), models.BigIntegerField()),
        )
        .order_by(vi_order("commune__name"), vi_order("agency__name"), "pk")
    )


def _decorate_assignment(a: SponsorAssignment) -> None:
    a.days_text, a.hours_text = _days(a.days_on_site), _days(a.hours_on_site)
    a.support_text = formats.vnd(a.support_vnd)


ASSIGNMENTS = Listing(
    name="assignment",
    model=SponsorAssignment,
    filterset_class=SponsorAssignmentFilterSet,
    filters={
        "district_id": gettext_lazy("Huyện"),
        "commune_id": gettext_lazy("Xã"),
        "agency_id": gettext_lazy("Cơ quan, doanh nghiệp"),
        "role": gettext_lazy("Vai trò"),
        "active_on": gettext_lazy("Còn hiệu lực vào ngày"),
    },  # fmt: skip
    rows=_assignments,
    title=gettext_lazy("Phân công giúp đỡ xã"),
    filename=gettext_lazy("Phân công giúp đỡ xã.xlsx"),
    columns=lambda: [
        _("Cơ quan, doanh nghiệp"),
        _("Mã xã"),
        _("Xã"),
        _("Huyện"),
        _("Vai trò"),
        _("Cơ quan quyết định"),
        _("Số quyết định"),
        _("Ngày quyết định"),
        _("Từ ngày"),
        _("Đến ngày"),
        _("Số chuyến công tác"),
        _("Số ngày tại xã"),
        _("Số giờ tại xã"),
        _("Chuyến gần nhất"),
        _("Giá trị hỗ trợ (đồng)"),
    ],  # fmt: skip
    export_row=lambda a: [
        a.agency.name,
        a.commune.code,
        a.commune.name,
        a.commune.district.name if a.commune.district else "",
        a.get_role_display(),
        a.decided_by,
        a.decision_number,
        a.decision_date,
        a.start_date,
        a.end_date,
        a.visits_count,
        a.days_on_site,
        a.hours_on_site,
        a.last_visit,
        Money(a.support_vnd),
    ],  # fmt: skip
    decorate=_decorate_assignment,
)


@login_required
@require_GET
def assignment_list(request: HttpRequest) -> HttpResponse:
    return _list(request, ASSIGNMENTS)


@dataclass
class PlanRow:
    plan: WorkPlan
    items: list[WorkPlanItem]
    done: int
    late: int
    open: int


def _item_state(item: WorkPlanItem, today) -> str:
    """done / late / open / cancelled: an open item past its due date is late."""
    if item.status == PlanItemStatus.OPEN and item.due_date < today:
        return "late"
    return item.status


def _plan_rows(user, plans: list[tuple[WorkPlan, list[WorkPlanItem]]]) -> list[PlanRow]:
    """Each plan with its items marked done / late / open, and whether the user may change each (the items' plan and
    its assignment are loaded already: no query)."""
    today = timezone.localdate()
    rows = []
    for plan, items in plans:
        for item in items:
            item.state = _item_state(item, today)
            item.state_label = ITEM_STATES[item.state]
            item.may_change = access.can_change(user, item)
        states = [item.state for item in items]
        rows.append(PlanRow(plan, items, states.count("done"), states.count("late"), states.count("open")))
    return rows


ITEM_STATES = {
    "done": gettext_lazy("Hoàn thành"),
    "late": gettext_lazy("Quá hạn"),
    "open": gettext_lazy("Đang thực hiện"),
    "cancelled": gettext_lazy("Hủy"),
}


@login_required
@require_GET
def assignment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    assignment = get_object_or_404(_assignments(user), pk=pk)
    _decorate_assignment(assignment)
    plans = list(
        assignment.work_plans.order_by("-year", "pk").prefetch_related(
            Prefetch("items", WorkPlanItem.objects.select_related("criterion").order_by("due_date", "pk"))
        )
    )

    def loaded(name):
        return getattr(assignment, name)

    visits = list(
        FieldVisit.objects.filter(_visits_in_assignment(loaded))
        .select_related("agency", "commune", "secondment__cadre")
        .prefetch_related(Prefetch("criteria_addressed", Criterion.objects.order_by("number")))
        .order_by("-visit_date", "-pk")[:DETAIL_ROWS]
    )
    for visit in visits:
        _decorate_visit(visit)
    support = list(
        SupportContribution.objects.filter(_support_in_assignment(loaded))
        .select_related("giver", "commune", "criterion")
        .order_by("-date", "-pk")[:DETAIL_ROWS]
    )
    for contribution in support:
        _decorate_support(contribution)
    agency, commune = assignment.agency, assignment.commune
    history, history_total = assignment_history(assignment)
    context = {
        "assignment": assignment,
        "history": history,
        "history_total": history_total,
        "plan_rows": _plan_rows(user, [(plan, list(plan.items.all())) for plan in plans]),
        "visits": visits,
        "support": support,
        "may_change": access.can_change(user, assignment),
        "may_add_plan": access.can_change(user, WorkPlan(assignment=assignment)),
        "may_add_visit": access.can_change(user, FieldVisit(agency=agency, commune=commune)),
        "may_add_support": access.can_change(user, SupportContribution(giver=agency, commune=commune)),
        "more_visits": assignment.visits_count > len(visits),
        "more_support": len(support) == DETAIL_ROWS,
        "filter_query": f"agency_id={agency.pk}&commune_id={commune.pk}",
        "giver_query": f"giver_id={agency.pk}&commune_id={commune.pk}",
        "prefill_query": f"agency={agency.pk}&commune={commune.pk}",
    }
    return render(request, "secondments/assignment_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def assignment_create(request: HttpRequest) -> HttpResponse:
    return _create(request, model=SponsorAssignment, create=services.sponsor_assignment_create,
                   build_form=lambda data: SponsorAssignmentForm(data, user=request.user,
                                                                 initial=_initial_from(request, "agency", "commune")),
                   done=lambda a: _url("assignment_detail", a.pk), cancel_url=_url("assignment_list"))  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def assignment_edit(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = get_object_or_404(_assignments(request.user), pk=pk)
    return _edit(request, record=assignment, update=services.sponsor_assignment_update,
                 build_form=lambda data, a: SponsorAssignmentForm(data, instance=a, user=request.user),
                 done=lambda a: _url("assignment_detail", a.pk), cancel_url=_url("assignment_detail", pk),
                 delete_url=_url("assignment_delete", pk))  # fmt: skip


@login_required
@require_POST
def assignment_delete(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = get_object_or_404(_assignments(request.user), pk=pk)
    return _delete(request, record=assignment, delete=services.sponsor_assignment_delete,
                   done_url=_url("assignment_list"), back_url=_url("assignment_detail", pk))  # fmt: skip


# --- 6. work plans and their items ---------------------------------------------------------------------------------


def _work_plans(user) -> QuerySet[WorkPlan]:
    today = timezone.localdate()
    open_items = Q(items__status=PlanItemStatus.OPEN)
    return (
        WorkPlan.objects.visible_to(user)
        .select_related("assignment", "assignment__agency", "assignment__commune", "assignment__commune__district")
        .annotate(
            items_total=Count("items"),
            items_done=Count("items", filter=Q(items__status=PlanItemStatus.DONE)),
            items_late=Count("items", filter=open_items & Q(items__due_date__lt=today)),
            items_open=Count("items", filter=open_items & Q(items__due_date__gte=today)),
        )
        .order_by("-year", vi_order("assignment__commune__name"), vi_order("assignment__agency__name"), "pk")
    )


WORK_PLANS = Listing(
    name="work_plan",
    model=WorkPlan,
    filterset_class=WorkPlanFilterSet,
    filters={
        "agency_id": gettext_lazy("Cơ quan, doanh nghiệp"),
        "commune_id": gettext_lazy("Xã"),
        "year": gettext_lazy("Năm"),
    },  # fmt: skip
    rows=_work_plans,
    title=gettext_lazy("Kế hoạch giúp đỡ xã"),
    filename=gettext_lazy("Kế hoạch giúp đỡ xã.xlsx"),
    columns=lambda: [
        _("Năm"),
        _("Tên kế hoạch"),
        _("Cơ quan, doanh nghiệp"),
        _("Mã xã"),
        _("Xã"),
        _("Số nội dung"),
        _("Hoàn thành"),
        _("Quá hạn"),
        _("Đang thực hiện"),
    ],  # fmt: skip
    export_row=lambda p: [
        p.year,
        p.title,
        p.assignment.agency.name,
        p.assignment.commune.code,
        p.assignment.commune.name,
        p.items_total,
        p.items_done,
        p.items_late,
        p.items_open,
    ],  # fmt: skip
)


@login_required
@require_GET
def work_plan_list(request: HttpRequest) -> HttpResponse:
    return _list(request, WORK_PLANS)


@login_required
@require_GET
def work_plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    plan = get_object_or_404(_work_plans(user), pk=pk)
    items = list(plan.items.select_related("criterion").order_by("due_date", "pk"))  # each with `plan` as its plan
    (row,) = _plan_rows(user, [(plan, items)])
    context = {
        "plan": plan,
        "row": row,
        "may_change": access.can_change(user, plan),
        "may_add_item": access.can_change(user, WorkPlanItem(work_plan=plan)),
    }
    return render(request, "secondments/work_plan_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def work_plan_create(request: HttpRequest) -> HttpResponse:
    return _create(request, model=WorkPlan, create=services.work_plan_create,
                   build_form=lambda data: WorkPlanForm(data, user=request.user,
                                                        initial=_initial_from(request, "assignment")),
                   done=lambda p: _url("work_plan_detail", p.pk), cancel_url=_url("work_plan_list"))  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def work_plan_edit(request: HttpRequest, pk: int) -> HttpResponse:
    plan = get_object_or_404(_work_plans(request.user), pk=pk)
    return _edit(request, record=plan, update=services.work_plan_update,
                 build_form=lambda data, p: WorkPlanForm(data, instance=p, user=request.user),
                 done=lambda p: _url("work_plan_detail", p.pk), cancel_url=_url("work_plan_detail", pk),
                 delete_url=_url("work_plan_delete", pk))  # fmt: skip


@login_required
@require_POST
def work_plan_delete(request: HttpRequest, pk: int) -> HttpResponse:
    plan = get_object_or_404(_work_plans(request.user), pk=pk)
    return _delete(request, record=plan, delete=services.work_plan_delete, done_url=_url("work_plan_list"),
                   back_url=_url("work_plan_detail", pk))  # fmt: skip


def _items(user) -> QuerySet[WorkPlanItem]:
    return WorkPlanItem.objects.visible_to(user).select_related(
        "work_plan", "work_plan__assignment", "work_plan__assignment__agency", "work_plan__assignment__commune"
    )


@login_required
@require_http_methods(["GET", "POST"])
def work_plan_item_create(request: HttpRequest, plan_pk: int) -> HttpResponse:
    plan = get_object_or_404(_work_plans(request.user), pk=plan_pk)
    return _create(request, model=WorkPlanItem, create=services.work_plan_item_create, extra={"work_plan": plan},
                   check=WorkPlanItem(work_plan=plan), intro=f"{plan.title} — {plan.assignment}",
                   build_form=lambda data: WorkPlanItemForm(data, user=request.user, work_plan=plan),
                   done=lambda i: _url("work_plan_detail", plan_pk),
                   cancel_url=_url("work_plan_detail", plan_pk))  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def work_plan_item_edit(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(_items(request.user), pk=pk)
    plan_url = _url("work_plan_detail", item.work_plan_id)
    return _edit(request, record=item, update=services.work_plan_item_update,
                 build_form=lambda data, i: WorkPlanItemForm(data, instance=i, user=request.user,
                                                             work_plan=i.work_plan),
                 done=lambda i: plan_url, cancel_url=plan_url,
                 delete_url=_url("work_plan_item_delete", pk))  # fmt: skip


@login_required
@require_POST
def work_plan_item_delete(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(_items(request.user), pk=pk)
    plan_url = _url("work_plan_detail", item.work_plan_id)
    return _delete(request, record=item, delete=services.work_plan_item_delete, done_url=plan_url,
                   back_url=_url("work_plan_item_edit", pk))  # fmt: skip


# --- 7. field visits -------------------------------------------------------------------------------------------------


def _visits(user) -> QuerySet[FieldVisit]:
    return (
        FieldVisit.objects.visible_to(user)
        .select_related("agency", "commune", "commune__district", "secondment", "secondment__cadre")
        .prefetch_related(Prefetch("criteria_addressed", Criterion.objects.order_by("number")))
        .order_by("-visit_date", "-pk")
    )


def _decorate_visit(v: FieldVisit) -> None:
    v.days_text, v.hours_text = _days(v.days_on_site), _days(v.hours_on_site)
    v.criteria_text = ", ".join(str(c.number) for c in v.criteria_addressed.all())


def _visit_summary(rows: QuerySet[FieldVisit]) -> dict:
    totals = rows.order_by().aggregate(
        visits=Count("pk"), days=Sum("days_on_site"), hours=Sum("hours_on_site"), meetings=Sum("party_cell_meetings")
    )
    return {"visits": totals["visits"], "days": _days(totals["days"] or 0), "hours": _days(totals["hours"] or 0),
            "meetings": totals["meetings"] or 0}  # fmt: skip


FIELD_VISITS = Listing(
    name="field_visit",
    model=FieldVisit,
    filterset_class=FieldVisitFilterSet,
    filters={
        "district_id": gettext_lazy("Huyện"),
        "commune_id": gettext_lazy("Xã"),
        "agency_id": gettext_lazy("Cơ quan, doanh nghiệp"),
        "date_from": gettext_lazy("Từ ngày"),
        "date_to": gettext_lazy("Đến ngày"),
        "year": gettext_lazy("Năm"),
    },  # fmt: skip
    rows=_visits,
    title=gettext_lazy("Chuyến công tác xã"),
    filename=gettext_lazy("Chuyến công tác xã.xlsx"),
    columns=lambda: [
        _("Ngày đến xã"),
        _("Cơ quan, doanh nghiệp"),
        _("Mã xã"),
        _("Xã"),
        _("Huyện"),
        _("Số ngày tại xã"),
        _("Số giờ tại xã"),
        _("Thành phần"),
        _("Nội dung làm việc"),
        _("Số buổi dự sinh hoạt chi bộ"),
        _("Tiêu chí hỗ trợ"),
        _("Cán bộ biệt phái"),
    ],  # fmt: skip
    export_row=lambda v: [
        v.visit_date,
        v.agency.name,
        v.commune.code,
        v.commune.name,
        v.commune.district.name if v.commune.district else "",
        v.days_on_site,
        v.hours_on_site,
        v.participants,
        v.activities,
        v.party_cell_meetings,
        ", ".join(str(c.number) for c in v.criteria_addressed.all()),
        v.secondment.cadre.full_name if v.secondment else "",
    ],  # fmt: skip
    summary=_visit_summary,
    decorate=_decorate_visit,
    hidden=("secondment_id",),
)


@login_required
@require_GET
def field_visit_list(request: HttpRequest) -> HttpResponse:
    return _list(request, FIELD_VISITS)


def _after_visit(visit: FieldVisit) -> str:
    return _url("field_visit_list")


@login_required
@require_http_methods(["GET", "POST"])
def field_visit_create(request: HttpRequest) -> HttpResponse:
    user = request.user
    fixed = _liaison_agency(user)
    initial = _initial_from(request, "agency", "commune", "secondment")
    return _create(request, model=FieldVisit, create=services.field_visit_create,
                   extra={"agency": fixed} if fixed else None,
                   build_form=lambda data: FieldVisitForm(data, user=user, fixed_agency=fixed, initial=initial),
                   done=_after_visit, cancel_url=_url("field_visit_list"),
                   intro=_("Cơ quan: %(agency)s") % {"agency": fixed} if fixed else "")  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def field_visit_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    visit = get_object_or_404(_visits(user), pk=pk)
    fixed = _liaison_agency(user)
    return _edit(request, record=visit, update=services.field_visit_update,
                 build_form=lambda data, v: FieldVisitForm(data, instance=v, user=user, fixed_agency=fixed),
                 done=_after_visit, cancel_url=_url("field_visit_list"),
                 delete_url=_url("field_visit_delete", pk))  # fmt: skip


@login_required
@require_POST
def field_visit_delete(request: HttpRequest, pk: int) -> HttpResponse:
    visit = get_object_or_404(_visits(request.user), pk=pk)
    return _delete(request, record=visit, delete=services.field_visit_delete, done_url=_url("field_visit_list"),
                   back_url=_url("field_visit_edit", pk))  # fmt: skip


# --- 8. support contributions ----------------------------------------------------------------------------------------


def _support(user) -> QuerySet[SupportContribution]:
    return (
        SupportContribution.objects.visible_to(user)
        .select_related("giver", "commune", "commune__district", "criterion")
        .order_by("-date", "-pk")
    )


def _decorate_support(s: SupportContribution) -> None:
    s.value_text = formats.vnd(s.value_vnd)


def _support_summary(rows: QuerySet[SupportContribution]) -> dict:
    totals = rows.order_by().aggregate(contributions=Count("pk"), value=Sum("value_vnd"))
    return {"contributions": totals["contributions"], "value": formats.vnd(totals["value"] or 0)}


SUPPORT = Listing(
    name="support",
    model=SupportContribution,
    filterset_class=SupportContributionFilterSet,
    filters={
        "district_id": gettext_lazy("Huyện"),
        "commune_id": gettext_lazy("Xã"),
        "giver_id": gettext_lazy("Đơn vị hỗ trợ"),
        "kind": gettext_lazy("Hình thức"),
        "date_from": gettext_lazy("Từ ngày"),
        "date_to": gettext_lazy("Đến ngày"),
        "year": gettext_lazy("Năm"),
    },  # fmt: skip
    rows=_support,
    title=gettext_lazy("Đóng góp hỗ trợ xã"),
    filename=gettext_lazy("Đóng góp hỗ trợ xã.xlsx"),
    columns=lambda: [
        _("Ngày"),
        _("Đơn vị hỗ trợ"),
        _("Mã xã"),
        _("Xã"),
        _("Huyện"),
        _("Hình thức"),
        _("Giá trị (đồng)"),
        _("Nội dung"),
        _("Tiêu chí hướng tới"),
    ],  # fmt: skip
    export_row=lambda s: [
        s.date,
        s.giver.name,
        s.commune.code,
        s.commune.name,
        s.commune.district.name if s.commune.district else "",
        s.get_kind_display(),
        Money(s.value_vnd),
        s.description,
        str(s.criterion) if s.criterion else "",
    ],  # fmt: skip
    summary=_support_summary,
    decorate=_decorate_support,
)


@login_required
@require_GET
def support_list(request: HttpRequest) -> HttpResponse:
    return _list(request, SUPPORT)


@login_required
@require_http_methods(["GET", "POST"])
def support_create(request: HttpRequest) -> HttpResponse:
    user = request.user
    fixed = _liaison_agency(user)
    initial = _initial_from(request, "commune")
    if request.GET.get("agency", "").isdigit():
        initial["giver"] = request.GET["agency"]
    return _create(request, model=SupportContribution, create=services.support_contribution_create,
                   extra={"giver": fixed} if fixed else None,
                   build_form=lambda data: SupportContributionForm(data, user=user, fixed_agency=fixed,
                                                                   initial=initial),
                   done=lambda s: _url("support_list"), cancel_url=_url("support_list"),
                   intro=_("Đơn vị hỗ trợ: %(agency)s") % {"agency": fixed} if fixed else "")  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def support_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    support = get_object_or_404(_support(user), pk=pk)
    fixed = _liaison_agency(user)
    return _edit(request, record=support, update=services.support_contribution_update,
                 build_form=lambda data, s: SupportContributionForm(data, instance=s, user=user, fixed_agency=fixed),
                 done=lambda s: _url("support_list"), cancel_url=_url("support_list"),
                 delete_url=_url("support_delete", pk))  # fmt: skip


@login_required
@require_POST
def support_delete(request: HttpRequest, pk: int) -> HttpResponse:
    support = get_object_or_404(_support(request.user), pk=pk)
    return _delete(request, record=support, delete=services.support_contribution_delete,
                   done_url=_url("support_list"), back_url=_url("support_edit", pk))  # fmt: skip
