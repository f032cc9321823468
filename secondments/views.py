"""Browser screens of the secondment side (issue 7): agencies, cadres, secondment batches, secondments, sponsor
assignments, work plans with their items, field visits and support contributions.

Each kind is registered once with the generic views (ntm_portal.generic_views: a list with its FilterSet as the filter
form, its Table in secondments.tables for the page and the "Xuất Excel" of the filtered rows, pages to add, change and
delete one through secondments.services; each kind's rows come from secondments.list_selectors). What is left here
is what differs: the pages of their own (a secondment and its closing, a sponsor assignment with its plans, a work
plan), the items added under a plan, and the liaison's visits and support recorded for its own agency.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_GET, require_POST

from ntm_portal import access, formats
from ntm_portal.choices import Role, UnitLevel
from ntm_portal.generic_views import ObjectDeleteView, ObjectEditView, ViewRegistry, change_denied, errors_to_form

from . import filtersets, forms, list_selectors, services, tables
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

DETAIL_ROWS = 20  # visits and support shown on an assignment's page; the rest are one link away
SECONDMENT_VISITS = 50  # visits shown on a secondment's page


def _url(name: str, *args) -> str:
    return reverse(f"secondments:{name}", args=args)


def _liaison_agency(user) -> Agency | None:
    """An agency liaison records visits and support for its own agency: the form does not ask which."""
    return user.agency if user.role == Role.AGENCY_LIAISON and user.agency_id else None


# --- pages that differ from the generic ones ---------------------------------------------------------------------


class LiaisonEditView(ObjectEditView):
    """A liaison's visit or support is its own agency's: the form does not ask, the page says which."""

    agency_field = ""  # the record's agency field
    intro_text = ""

    def form_kwargs(self, instance):
        return {"fixed_agency": _liaison_agency(self.request.user)}

    def initial(self):
        initial = super().initial()
        if self.agency_field != "agency" and self.request.GET.get("agency", "").isdigit():
            initial[self.agency_field] = self.request.GET["agency"]
        return initial

    def create_kwargs(self):
        fixed = _liaison_agency(self.request.user)
        return {self.agency_field: fixed} if fixed else {}

    def intro(self):
        fixed = _liaison_agency(self.request.user)
        return _(self.intro_text) % {"agency": fixed} if fixed else ""


class WorkPlanItemEditView(ObjectEditView):
    """An item is added under its plan (`plan_pk`) and shown on the plan's page."""

    plan: WorkPlan | None = None  # the plan an item is added to

    def check_create(self):
        self.plan = get_object_or_404(list_selectors.work_plan_list(self.request.user), pk=self.kwargs["plan_pk"])
        super().check_create()
        if not access.can_change(self.request.user, WorkPlanItem(work_plan=self.plan)):
            raise change_denied(WorkPlanItem)

    def form_kwargs(self, instance):
        return {"work_plan": self.plan or instance.work_plan}

    def create_kwargs(self):
        return {"work_plan": self.plan}

    def intro(self):
        return f"{self.plan.title} — {self.plan.assignment}"

    def done_url(self, record):
        return _url("work_plan_detail", record.work_plan_id)

    def cancel_url(self, instance):
        return _url("work_plan_detail", self.plan.pk if self.plan else instance.work_plan_id)


class WorkPlanItemDeleteView(ObjectDeleteView):
    def done_url(self, record):
        return _url("work_plan_detail", record.work_plan_id)


def _secondment_page(request: HttpRequest, secondment: Secondment, *, close_form=None) -> HttpResponse:
    user = request.user
    may_change = access.can_change(user, secondment)
    visits = list(
        secondment.field_visits.select_related("agency", "commune")
        .prefetch_related(list_selectors.criteria_in_order())
        .order_by("-visit_date", "-pk")[:SECONDMENT_VISITS]
    )
    if close_form is None and may_change:
        day = secondment.actual_end_date or timezone.localdate()
        close_form = forms.SecondmentCloseForm(initial={"actual_end_date": day})
    history, history_total = record_history(secondment)
    context = {
        "secondment": secondment,
        "history": history,
        "history_total": history_total,
        "criteria_text": tables.criteria_change(secondment),
        "may_change": may_change,
        "close_form": close_form if may_change else None,
        "visits": visits,
        "visits_table": tables.FieldVisitTable(visits, **tables.ON_A_RECORDS_PAGE),
        "may_add_visit": access.may_change_any(user, FieldVisit),
    }
    return render(request, "secondments/secondment_detail.html", context)


@login_required
@require_GET
def secondment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _secondment_page(request, get_object_or_404(list_selectors.secondment_list(request.user), pk=pk))


@login_required
@require_POST
def secondment_close(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    secondment = get_object_or_404(list_selectors.secondment_list(user), pk=pk)
    if not access.can_change(user, secondment):
        raise change_denied(Secondment)
    form = forms.SecondmentCloseForm(request.POST)
    if form.is_valid():
        try:
            secondment = services.secondment_close(
                user=user, secondment=secondment, actual_end_date=form.cleaned_data["actual_end_date"]
            )
        except ValidationError as error:
            errors_to_form(form, error)
        else:
            done = _("Đã ghi kết thúc biệt phái của %(cadre)s tại %(commune)s ngày %(day)s. Số tiêu chí: %(change)s.")
            day = formats.date_text(secondment.actual_end_date)
            change = tables.criteria_change(secondment)
            messages.success(
                request,
                done % {"cadre": secondment.cadre, "commune": secondment.commune.name, "day": day, "change": change},
            )
            return redirect("secondments:secondment_detail", pk=pk)
    secondment = get_object_or_404(list_selectors.secondment_list(user), pk=pk)  # as stored, not as the form left it
    return _secondment_page(request, secondment, close_form=form)


@login_required
@require_GET
def assignment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    assignment = get_object_or_404(list_selectors.sponsor_assignment_list(user), pk=pk)
    tables.describe_assignment(assignment)
    items = Prefetch("items", WorkPlanItem.objects.select_related("criterion").order_by("due_date", "pk"))
    plans = list(assignment.work_plans.order_by("-year", "pk").prefetch_related(items))

    def loaded(name):
        return getattr(assignment, name)

    visits = list(
        FieldVisit.objects.filter(list_selectors.visits_in_assignment(loaded))
        .select_related("agency", "commune", "secondment__cadre")
        .prefetch_related(list_selectors.criteria_in_order())
        .order_by("-visit_date", "-pk")[:DETAIL_ROWS]
    )
    support = list(
        SupportContribution.objects.filter(list_selectors.support_in_assignment(loaded))
        .select_related("giver", "commune", "criterion")
        .order_by("-date", "-pk")[:DETAIL_ROWS]
    )
    agency, commune = assignment.agency, assignment.commune
    history, history_total = assignment_history(assignment)
    context = {
        "assignment": assignment,
        "history": history,
        "history_total": history_total,
        "plan_rows": list_selectors.plan_rows(user, [(plan, list(plan.items.all())) for plan in plans]),
        "visits": visits,
        "visits_table": tables.FieldVisitTable(visits, **tables.ON_A_RECORDS_PAGE),
        "support": support,
        "support_table": tables.SupportContributionTable(support, **tables.ON_A_RECORDS_PAGE),
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
@require_GET
def work_plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    plan = get_object_or_404(list_selectors.work_plan_list(user), pk=pk)
    items = list(plan.items.select_related("criterion").order_by("due_date", "pk"))  # each with `plan` as its plan
    (row,) = list_selectors.plan_rows(user, [(plan, items)])
    context = {
        "plan": plan,
        "row": row,
        "may_change": access.can_change(user, plan),
        "may_add_item": access.can_change(user, WorkPlanItem(work_plan=plan)),
    }
    return render(request, "secondments/work_plan_detail.html", context)


# --- the registry: each kind's list, add, change and delete pages -----------------------------------------------

registry = ViewRegistry(
    "secondments", services=services, selectors=list_selectors, tables=tables, filtersets=filtersets, forms=forms
)
SCOPE = {"district_id": _("Huyện"), "commune_id": _("Xã")}
PERIOD = {"date_from": _("Từ ngày"), "date_to": _("Đến ngày"), "year": _("Năm")}
AGENCY = {"agency_id": _("Cơ quan, doanh nghiệp")}

registry.register(
    "agency",
    "agencies/",
    model=Agency,
    list={
        "filters": {
            "q": _("Tìm theo tên"),
            "kind": _("Loại"),
            "level": _("Cấp"),
            "unit_id": _("Thuộc đơn vị"),
        },
        "narrow": {"unit_id": lambda units: units.filter(level__in=[UnitLevel.PROVINCE, UnitLevel.DISTRICT])},
        "title": _("Cơ quan, đơn vị, doanh nghiệp"),
        "filename": _("Cơ quan, đơn vị.xlsx"),
    },
    edit={},
)
registry.register(
    "cadre",
    "cadres/",
    model=Cadre,
    list={
        "filters": {
            "q": _("Tìm theo tên, chức vụ"),
            "home_agency_id": _("Cơ quan công tác"),
            "gender": _("Giới tính"),
        },
        "title": _("Cán bộ"),
        "filename": _("Cán bộ.xlsx"),
    },
    edit={"prefill": ("home_agency",)},
)
registry.register(
    "batch",
    "batches/",
    model=SecondmentBatch,
    list={
        "filters": {"q": _("Tìm theo tên đợt, số văn bản"), "year": _("Năm")},
        "title": _("Đợt cử cán bộ"),
        "filename": _("Đợt cử cán bộ.xlsx"),
    },
    edit={},
)
registry.register(
    "secondment",
    "",
    model=Secondment,
    detail=secondment_detail,
    list={
        "filters": {
            "q": _("Tìm theo tên cán bộ hoặc tên xã"),
            **SCOPE,
            "batch_id": _("Đợt"),
            "home_agency_id": _("Cơ quan cử"),
            "kind": _("Hình thức"),
            "active_on": _("Đang công tác tại xã vào ngày"),
            "start_year": _("Năm bắt đầu"),
        },
        "hidden": ("cadre_id",),
        "title": _("Biệt phái, luân chuyển cán bộ về xã"),
        "filename": _("Biệt phái, luân chuyển.xlsx"),
    },
    edit={"prefill": ("cadre", "commune", "batch")},
)
registry.register(
    "assignment",
    "assignments/",
    model=SponsorAssignment,
    detail=assignment_detail,
    list={
        "filters": {**SCOPE, **AGENCY, "role": _("Vai trò"), "active_on": _("Còn hiệu lực vào ngày")},
        "decorate": tables.describe_assignment,
        "title": _("Phân công giúp đỡ xã"),
        "filename": _("Phân công giúp đỡ xã.xlsx"),
    },
    edit={"prefill": ("agency", "commune")},
)
registry.register(
    "work_plan",
    "work-plans/",
    model=WorkPlan,
    detail=work_plan_detail,
    list={
        "filters": {**AGENCY, "commune_id": _("Xã"), "year": _("Năm")},
        "title": _("Kế hoạch giúp đỡ xã"),
        "filename": _("Kế hoạch giúp đỡ xã.xlsx"),
    },
    edit={"prefill": ("assignment",)},
)
registry.register(
    "work_plan_item",
    "work-plan-items/",
    model=WorkPlanItem,
    edit={},
    edit_view=WorkPlanItemEditView,
    delete_view=WorkPlanItemDeleteView,
    create_route="work-plans/<int:plan_pk>/items/new/",
)
registry.register(
    "field_visit",
    "field-visits/",
    model=FieldVisit,
    list={
        "filters": {**SCOPE, **AGENCY, **PERIOD},
        "hidden": ("secondment_id",),
        "summary": list_selectors.field_visit_totals,
        "title": _("Chuyến công tác xã"),
        "filename": _("Chuyến công tác xã.xlsx"),
    },
    edit={
        "form": forms.FieldVisitForm,
        "prefill": ("agency", "commune", "secondment"),
        "agency_field": "agency",
        "intro_text": gettext_noop("Cơ quan: %(agency)s"),
    },
    edit_view=LiaisonEditView,
)
registry.register(
    "support",
    "support/",
    model=SupportContribution,
    list={
        "filters": {**SCOPE, "giver_id": _("Đơn vị hỗ trợ"), "kind": _("Hình thức"), **PERIOD},
        "summary": list_selectors.support_contribution_totals,
        "title": _("Đóng góp hỗ trợ xã"),
        "filename": _("Đóng góp hỗ trợ xã.xlsx"),
    },
    edit={
        "form": forms.SupportContributionForm,
        "prefill": ("commune",),
        "agency_field": "giver",
        "intro_text": gettext_noop("Đơn vị hỗ trợ: %(agency)s"),
    },
    edit_view=LiaisonEditView,
)
