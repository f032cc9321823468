"""Tables (django-tables2) and paging for every list page: a model's Table declares each column once, and the page,
its sorting and its .xlsx export all read that one declaration.

A column may be the page's only (links, buttons: `exclude_from_export=True`) or the sheet's only (a detail the page
folds into another cell: `visible=False`); where the sheet names a column more fully than the page, the column says so
with `export_header`. A column's `render_<name>` is what the page shows, its `value_<name>` (else the raw value) what
the sheet gets, typed: numbers, dates and `Money` stay numbers and dates in Excel.
"""

from __future__ import annotations

from collections.abc import Iterable

import django_tables2 as tables
from django.conf import settings
from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse
from django.utils.dateformat import format as format_date
from django.utils.encoding import force_str

from . import formats
from .collation import vi_order
from .excel import Money, xlsx_response


class Column(tables.Column):
    """A column that may carry another header for the sheet ("Số ngày tại xã" where the page says "Ngày tại xã")."""

    def __init__(self, *args, export_header=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.export_header = export_header


class NameColumn(Column):
    """A name the user may sort by, in Vietnamese order (Đ after D, not after Z), then by key for a stable page."""

    def __init__(self, *args, field: str, **kwargs):
        super().__init__(*args, orderable=True, **kwargs)
        self.field = field

    def order(self, queryset, is_descending):
        return queryset.order_by(vi_order(self.field, descending=is_descending), "-pk" if is_descending else "pk"), True


class DateColumn(Column):
    """A date as Vietnamese offices write it (05/03/2018) on the page, a date cell in the sheet."""

    def render(self, value):
        return format_date(value, "d/m/Y")

    def value(self, value):
        return value


NUMBER_CELL = {"td": {"class": "num"}}  # right-aligned, as figures are read


class NumberColumn(Column):
    """A figure in Vietnamese format (1.234,5) on the page, a number cell in the sheet."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("attrs", NUMBER_CELL)
        super().__init__(*args, **kwargs)

    def render(self, value):
        return formats.number(value)

    def value(self, value):
        return value


class MoneyColumn(NumberColumn):
    """Đồng: "1.500.000 đ" on the page, a #,##0 number cell in the sheet."""

    def render(self, value):
        return formats.vnd(value)

    def value(self, value):
        return Money(value)


class Table(tables.Table):
    """The project's list table: the markup of templates/ntm_portal/_table.html (mobile `data-label` cells), no
    sorting unless a column asks for it (`orderable=True`), "—" in an empty cell."""

    def __init__(self, *args, **kwargs):
        # Options rather than a Meta, which a subclass would have to repeat (tables2 reads only the class's own Meta).
        kwargs.setdefault("orderable", False)
        kwargs.setdefault("default", "—")
        kwargs.setdefault("template_name", "ntm_portal/_table.html")
        # False where the table is a part of another record's page, which does not sort: no sort links then.
        self.sortable = kwargs.pop("sortable", True)
        super().__init__(*args, **kwargs)

    def export_columns(self) -> list:
        return [column for column in self.columns.iterall() if not column.column.exclude_from_export]

    def export_headers(self) -> list[str]:
        return [force_str(getattr(c.column, "export_header", None) or c.header) for c in self.export_columns()]

    def export_rows(self) -> Iterable[list]:
        columns = self.export_columns()
        for row in self.rows:
            yield [row.get_cell_value(column.name) for column in columns]

    def as_xlsx(self, *, filename: str, title: str) -> HttpResponse:
        """All the table's rows (every page) as an .xlsx download, through the project's Excel writer."""
        return xlsx_response(filename=filename, title=title, columns=self.export_headers(), rows=self.export_rows())


def page_of(request: HttpRequest, rows) -> Page:
    """One page (`settings.NTM_PAGE_SIZE` rows, `?page=` read leniently) of `rows`, loaded before a template reads
    it."""
    page = Paginator(rows, settings.NTM_PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    return page


def paginate(request: HttpRequest, table: Table) -> Page:
    """Page the table (`table.page`, what its template renders) and answer the same page of its records."""
    # Set before anything counts the rows: tables2 counts a paginated table's queryset with COUNT(*), not by loading it.
    table.paginator = Paginator(table.rows, settings.NTM_PAGE_SIZE)
    table.page = table.paginator.get_page(request.GET.get("page"))
    table.page.object_list = list(table.page.object_list)  # loaded once, before the template reads it
    return Page([row.record for row in table.page.object_list], table.page.number, table.paginator)
