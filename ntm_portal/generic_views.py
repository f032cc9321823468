"""Generic list, add, change and delete pages (NetBox's ObjectListView / ObjectEditView / ObjectDeleteView), configured
per model by attributes, and a registry that yields their URLs (NetBox's get_model_urls).

The views decide nothing about permissions of their own. Scope: rows come from the view's `rows(user)` (the model's
`visible_to(user)` with the joins the page reads), so another unit's record is a 404. Writes: `access.may_change_any`
and `access.can_change` decide which buttons to offer and refuse a page up front (PermissionDenied: the 403 page with
the plain message); the services ask again. Writes go through the app's services found by name — `<model>_create`,
`<model>_update`, `<model>_delete`, the model's class name in snake case (SponsorAssignment →
`sponsor_assignment_create`) — and their ValidationError goes back on the form.

Lists never ask `can_change` per row (for a liaison it reads the agency's assignments, a query a row): a row offers
"Sửa" when the user's role may change that kind at all, and the edit page asks about the record itself.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from types import ModuleType
from typing import Any

import django_filters
from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.views import View
from django_tables2 import RequestConfig

from . import access
from .tables import Table, paginate
from .widgets import ChoiceOfMany, DateInput


def errors_to_form(form: forms.BaseForm, error: ValidationError) -> None:
    """A service's ValidationError, each message next to its field (or above the form)."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for name, errors in error.message_dict.items():
        form.add_error(name if name in form.fields and name != NON_FIELD_ERRORS else None, errors)


def change_denied(model: type[models.Model]) -> PermissionDenied:
    return PermissionDenied(access.CHANGE_DENIED % {"what": model._meta.verbose_name})


def filter_form(
    filterset: django_filters.FilterSet,
    labels: dict[str, Any],
    *,
    hidden: tuple[str, ...] = (),
    narrow: dict[str, Callable[[QuerySet], QuerySet]] | None = None,
) -> forms.Form:
    """The FilterSet's own form, cut to the filters the page shows (`labels`, in the page's order, then the `hidden`
    ones a link may set), with widgets for a person: a drop-down of the rows the user sees per key filter
    (materialised here, one query each; `narrow` offers fewer), check boxes for choices, date pickers. A key filter
    with nothing to choose from is left out."""
    form = filterset.form
    form.fields = {name: form.fields[name] for name in (*labels, *hidden)}
    for name in hidden:
        form.fields[name].widget = forms.MultipleHiddenInput()
    for name, form_field in list(form.fields.items()):
        if name in hidden:
            continue
        form_field.label = labels[name]
        form_field.help_text = ""
        if isinstance(form_field, forms.ModelMultipleChoiceField):
            if narrow and name in narrow:
                form_field.queryset = narrow[name](form_field.queryset)
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
        elif isinstance(form_field, forms.IntegerField):
            form_field.widget = forms.TextInput(attrs={"inputmode": "numeric"})
    return form


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


class ObjectView(LoginRequiredMixin, View):
    """What every page of a kind knows; the registry sets these."""

    namespace = ""
    name = ""  # URL names <name>_list, <name>_create, <name>_detail, <name>_edit, <name>_delete
    model: type[models.Model] | None = None
    rows: Callable[[Any], QuerySet] | None = None  # user -> the rows the user sees, with the joins the page reads
    services: ModuleType | None = None
    has_detail = False  # whether a record has a page of its own (else it is shown in the list)

    def url(self, action: str, *args) -> str:
        return reverse(f"{self.namespace}:{self.name}_{action}", args=args)

    def record_url(self, record: models.Model) -> str:
        return self.url("detail", record.pk) if self.has_detail else self.url("list")

    def get_object(self) -> models.Model:
        return get_object_or_404(self.rows(self.request.user), pk=self.kwargs["pk"])

    def service(self, action: str) -> Callable:
        return getattr(self.services, f"{_snake(self.model.__name__)}_{action}")


class ObjectListView(ObjectView):
    """The filtered rows a page at a time, their totals, and "Xuất Excel" of all of them."""

    http_method_names = ["get"]
    template_name = ""  # default <namespace>/<name>_list.html
    table: type[Table] | None = None
    filterset: type[django_filters.FilterSet] | None = None
    filters: dict[str, Any] = {}  # the FilterSet's filters the page shows, with the label the page gives them
    hidden: tuple[str, ...] = ()  # filters a link may set (`?cadre_id=7` from the cadre list) that the page keeps
    narrow: dict[str, Callable[[QuerySet], QuerySet]] = {}  # fewer choices in a drop-down
    title: Any = ""
    filename: Any = ""
    summary: Callable[[QuerySet], dict] | None = None  # totals of the filtered rows, one aggregate query
    decorate: Callable[[Any], None] | None = None  # words and figures for the page's rows

    def get(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        filterset = self.filterset(request.GET or None, queryset=self.rows(user), request=request)
        form = filter_form(filterset, self.filters, hidden=self.hidden, narrow=self.narrow)
        valid = not filterset.is_bound or filterset.is_valid()
        rows = filterset.qs if valid else filterset.queryset.none()  # a filter the page cannot read shows nothing
        may_create = access.may_change_any(user, self.model)
        table = self.table(rows, exclude=() if may_create else ("actions",))
        RequestConfig(request, paginate=False).configure(table)  # ?sort=
        if request.GET.get("format") == "xlsx":
            return table.as_xlsx(filename=str(self.filename), title=str(self.title))
        page = paginate(request, table)
        for row in page.object_list if self.decorate else ():
            self.decorate(row)
        context = {
            "title": self.title,
            "table": table,
            "page": page,
            "filter_form": form,
            "filters_invalid": not valid,
            "summary": self.summary(rows) if self.summary else None,
            "may_create": may_create,
            "create_url": self.url("create"),
            "list_url": self.url("list"),
        }
        return render(request, self.template_name or f"{self.namespace}/{self.name}_list.html", context)


class ObjectEditView(ObjectView):
    """Add a record (no `pk`) or change one: the form (GET), then the service (POST) and a redirect."""

    http_method_names = ["get", "post"]
    template_name = ""  # default <namespace>/form.html
    form: type[forms.BaseForm] | None = None
    prefill: tuple[str, ...] = ()  # keys a link may prefill on the add page (`?commune=3`)

    def form_kwargs(self, instance: models.Model | None) -> dict[str, Any]:
        """What the form takes besides the data, the record and the user."""
        return {}

    def initial(self) -> dict[str, str]:
        """Prefill from a link; a key the user cannot see is simply not selected."""
        return {name: self.request.GET[name] for name in self.prefill if self.request.GET.get(name, "").isdigit()}

    def create_kwargs(self) -> dict[str, Any]:
        """What the create service takes besides the form's values (a liaison's own agency, say)."""
        return {}

    def check_create(self) -> None:
        if not access.may_change_any(self.request.user, self.model):
            raise change_denied(self.model)

    def intro(self) -> str:
        return ""

    def done_url(self, record: models.Model) -> str:
        return self.record_url(record)

    def cancel_url(self, instance: models.Model | None) -> str:
        return self.record_url(instance) if instance is not None else self.url("list")

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.instance = self.get_object() if "pk" in kwargs else None
        if self.instance is None:
            self.check_create()
        elif not access.can_change(request.user, self.instance):
            raise change_denied(self.model)
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: HttpRequest, **kwargs) -> HttpResponse:
        return self.page(self.build_form(None))

    def post(self, request: HttpRequest, **kwargs) -> HttpResponse:
        form = self.build_form(request.POST)
        if not form.is_valid():
            return self.page(form)
        user, what = request.user, self.model._meta.verbose_name
        try:
            if self.instance is None:
                record = self.service("create")(user=user, **form.cleaned_data, **self.create_kwargs())
                done = _("Đã thêm %(what)s: %(record)s.")
            else:
                # The form has written its values onto the record; the service starts again from the stored row.
                record = self.service("update")(user=user, instance=self.instance, **form.cleaned_data)
                done = _("Đã lưu %(what)s: %(record)s.")
        except ValidationError as error:
            errors_to_form(form, error)
            return self.page(form)
        messages.success(request, done % {"what": what, "record": record})
        return redirect(self.done_url(record))

    def build_form(self, data) -> forms.BaseForm:
        kwargs = {"instance": self.instance, "user": self.request.user, **self.form_kwargs(self.instance)}
        if self.instance is None:
            kwargs["initial"] = self.initial()
        return self.form(data, **kwargs)

    def page(self, form: forms.BaseForm) -> HttpResponse:
        what = self.model._meta.verbose_name
        context = {
            "form": form,
            "title": (_("Thêm %(what)s") if self.instance is None else _("Sửa %(what)s")) % {"what": what},
            "cancel_url": self.cancel_url(self.instance),
            "delete_url": self.url("delete", self.instance.pk) if self.instance is not None else "",
            "intro": self.intro() if self.instance is None else "",
        }
        return render(self.request, self.template_name or f"{self.namespace}/form.html", context)


class ObjectDeleteView(ObjectView):
    """Delete a record (POST), back to where it was shown when the service refuses."""

    http_method_names = ["post"]

    def done_url(self, record: models.Model) -> str:
        return self.url("list")

    def back_url(self, record: models.Model) -> str:
        return self.url("detail", record.pk) if self.has_detail else self.url("edit", record.pk)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        record = self.get_object()
        if not access.can_change(request.user, record):
            raise change_denied(self.model)
        label = str(record)
        try:
            self.service("delete")(user=request.user, instance=record)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect(self.back_url(record))
        what = self.model._meta.verbose_name
        messages.success(request, _("Đã xóa %(what)s: %(record)s.") % {"what": what, "record": label})
        return redirect(self.done_url(record))


class ViewRegistry:
    """The pages of each registered kind of an app and their URLs: `<route>` the list, `<route>new/` add,
    `<route><pk>/` the record's page, `<route><pk>/edit/` change, `<route><pk>/delete/` delete, named
    `<name>_list`, `<name>_create`, `<name>_detail`, `<name>_edit`, `<name>_delete`.

    Each model appears once per layer under a matching name (NetBox's habit), so the registry finds a kind's parts
    in the app's modules: for SponsorAssignment, `selectors.sponsor_assignment_list(user)` (its rows),
    `tables.SponsorAssignmentTable`, `filtersets.SponsorAssignmentFilterSet`, `forms.SponsorAssignmentForm` and
    `services.sponsor_assignment_create/_update/_delete`. A registration may name another part instead."""

    def __init__(
        self,
        namespace: str,
        *,
        services: ModuleType,
        selectors: ModuleType,
        tables: ModuleType,
        filtersets: ModuleType,
        forms: ModuleType,
    ):
        self.namespace = namespace
        self.services = services
        self.modules = {"selectors": selectors, "tables": tables, "filtersets": filtersets, "forms": forms}
        self.kinds: dict[str, type[models.Model]] = {}
        self._urls: list[URLPattern] = []

    def register(
        self,
        name: str,
        route: str,
        *,
        model: type[models.Model],
        rows: Callable[[Any], QuerySet] | None = None,
        list: dict[str, Any] | None = None,  # noqa: A002 — the action's name, as in NetBox
        edit: dict[str, Any] | None = None,
        detail: Callable | None = None,
        list_view: type[ObjectListView] = ObjectListView,
        edit_view: type[ObjectEditView] = ObjectEditView,
        delete_view: type[ObjectDeleteView] = ObjectDeleteView,
        create_route: str = "",
    ) -> None:
        """`list` and `edit`: the attributes of the kind's list and edit views; `detail`: the record's own page;
        `create_route`: where a record is added when not at `<route>new/` (an item under its plan)."""
        self.kinds[name] = model
        common = {
            "namespace": self.namespace,
            "name": name,
            "model": model,
            "rows": rows or self._part("selectors", f"{_snake(model.__name__)}_list"),
            "services": self.services,
            "has_detail": detail is not None,
        }
        pages = []
        if list is not None:
            found = {"table": self._part("tables", f"{model.__name__}Table")}
            found["filterset"] = self._part("filtersets", f"{model.__name__}FilterSet")
            pages.append(("", list_view.as_view(**common, **(found | list)), "list"))
        if edit is not None:
            found = {"form": self._part("forms", f"{model.__name__}Form")}
            edit_page = edit_view.as_view(**common, **(found | edit))
            pages.append(("<int:pk>/edit/", edit_page, "edit"))
            self._urls.append(path(create_route or f"{route}new/", edit_page, name=f"{name}_create"))
        if detail is not None:
            pages.append(("<int:pk>/", detail, "detail"))
        pages.append(("<int:pk>/delete/", delete_view.as_view(**common), "delete"))
        self._urls += [path(route + tail, view, name=f"{name}_{action}") for tail, view, action in pages]

    def _part(self, module: str, name: str) -> Any:
        return getattr(self.modules[module], name, None)

    def urls(self) -> list[URLPattern]:
        return list(self._urls)
