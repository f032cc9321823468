"""The secondment side's lists, one Table per model: each column declared once for the page and the .xlsx (see
ntm_portal.tables for which is which)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from ntm_portal import formats
from ntm_portal.tables import NUMBER_CELL, Column, DateColumn, MoneyColumn, NameColumn, NumberColumn, Table

from .models import (
    Agency,
    Cadre,
    FieldVisit,
    Secondment,
    SecondmentBatch,
    SponsorAssignment,
    SupportContribution,
    WorkPlan,
)


def _url(name: str, *args) -> str:
    return reverse(f"secondments:{name}", args=args)


def _links(*links) -> str:
    """Links (href, text) separated by " · "."""
    return format_html_join(" · ", '<a href="{}">{}</a>', links)


def _with_note(main, note, *, muted: bool = True):
    """A cell's main text and, when there is one, a note on the next line."""
    if not note:
        return format_html("{}", main)
    template = '{}<br><small class="muted">{}</small>' if muted else "{}<br><small>{}</small>"
    return format_html(template, main, note)


def _date(value) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def criteria_change(s: Secondment) -> str:
    """ "9 → 19 (+10)", "9 → …" while it lasts, "—" when unknown."""
    start, end = s.criteria_met_at_start, s.criteria_met_at_end
    if start is None and end is None:
        return "—"
    text = f"{'?' if start is None else start} → {'…' if end is None else end}"
    if start is not None and end is not None:
        text += f" ({end - start:+d})"
    return text


def describe_assignment(a: SponsorAssignment) -> None:
    """An assignment's presence and support as the pages write them."""
    a.days_text, a.hours_text = formats.number(a.days_on_site), formats.number(a.hours_on_site)
    a.support_text = formats.vnd(a.support_vnd)


# A secondment's or an assignment's page lists its own visits and support with the lists' Tables, minus what the page
# already says (the commune, the giving agency) and the buttons.
ON_A_RECORDS_PAGE = {"exclude": ("commune", "giver", "actions"), "sortable": False}


PAGE_ONLY = {"exclude_from_export": True, "empty_values": ()}  # a cell made from the record, not one value


def actions_column() -> Column:
    """The row's buttons, dropped when the user may change nothing (a column of its own per table: columns are
    ordered by creation)."""
    return Column(verbose_name="", **PAGE_ONLY)


class AgencyTable(Table):
    name = NameColumn(verbose_name=_("Tên"), field="name")
    short_name = Column(verbose_name=_("Tên viết tắt"), visible=False)
    kind = Column(verbose_name=_("Loại"))
    level = Column(verbose_name=_("Cấp"))
    unit = Column(verbose_name=_("Thuộc đơn vị"), accessor="unit__name")
    parent = Column(verbose_name=_("Cơ quan cấp trên"), accessor="parent__name", visible=False)
    contact = Column(verbose_name=_("Liên hệ"))
    links = Column(verbose_name=_("Xem"), **PAGE_ONLY)
    actions = actions_column()

    def render_name(self, record: Agency):
        name = format_html("<strong>{}</strong>", record.name)
        if record.short_name:
            name = format_html('{} <span class="muted">({})</span>', name, record.short_name)
        parent = format_html("{} {}", _("thuộc"), record.parent.name) if record.parent else ""
        return _with_note(name, parent)

    def value_name(self, value):
        return value

    def render_links(self, record: Agency):
        return _links(
            (f"{_url('assignment_list')}?agency_id={record.pk}", _("Xã phụ trách")),
            (f"{_url('field_visit_list')}?agency_id={record.pk}", _("Chuyến công tác")),
            (f"{_url('support_list')}?giver_id={record.pk}", _("Hỗ trợ")),
            (f"{_url('cadre_list')}?home_agency_id={record.pk}", _("Cán bộ")),
        )

    def render_actions(self, record: Agency):
        return _links((_url("agency_edit", record.pk), _("Sửa")))


class CadreTable(Table):
    full_name = NameColumn(verbose_name=_("Họ và tên"), field="full_name")
    gender = Column(verbose_name=_("Giới tính"), visible=False)
    birth_year = Column(verbose_name=_("Năm sinh"), orderable=True, order_by=("birth_year", "pk"))
    title = Column(verbose_name=_("Chức vụ"))
    home_agency = Column(verbose_name=_("Cơ quan công tác"), accessor="home_agency__name")
    contact = Column(verbose_name=_("Liên hệ"), **PAGE_ONLY)
    phone = Column(verbose_name=_("Điện thoại"), visible=False)
    email = Column(verbose_name=_("Email"), visible=False)
    secondments_count = Column(verbose_name=_("Số lần được cử"))
    actions = actions_column()

    def render_full_name(self, record: Cadre):
        name = format_html("<strong>{}</strong>", record.full_name)
        if record.gender:
            return format_html('{} <span class="muted">({})</span>', name, record.get_gender_display())
        return name

    def value_full_name(self, value):
        return value

    def render_contact(self, record: Cadre):
        return format_html_join(mark_safe("<br>"), "{}", ((v,) for v in (record.phone, record.email) if v))

    def render_secondments_count(self, record: Cadre, value):
        return _links((f"{_url('secondment_list')}?cadre_id={record.pk}", value)) if value else "0"

    def value_secondments_count(self, value):
        return value

    def render_actions(self, record: Cadre):
        return _links(
            (_url("cadre_edit", record.pk), _("Sửa")), (f"{_url('secondment_create')}?cadre={record.pk}", _("Cử về xã"))
        )


class SecondmentBatchTable(Table):
    name = NameColumn(verbose_name=_("Tên đợt"), field="name")
    year = Column(verbose_name=_("Năm"), orderable=True, order_by=("year", "pk"))
    province = Column(verbose_name=_("Tỉnh"), accessor="province__name")
    decision = Column(verbose_name=_("Văn bản"), **PAGE_ONLY)
    decided_by = Column(verbose_name=_("Cơ quan quyết định"), visible=False)
    decision_number = Column(verbose_name=_("Số văn bản"), visible=False)
    decision_date = DateColumn(verbose_name=_("Ngày văn bản"), visible=False)
    secondments_count = Column(verbose_name=_("Số cán bộ được cử"))
    actions = actions_column()

    def render_name(self, value):
        return format_html("<strong>{}</strong>", value)

    def value_name(self, value):
        return value

    def render_decision(self, record: SecondmentBatch):
        if not record.decision_number:
            return "—"
        text = record.decision_number
        if record.decision_date:
            text += f" {_('ngày')} {_date(record.decision_date)}"
        return f"{text}, {record.decided_by}" if record.decided_by else text

    def render_secondments_count(self, record: SecondmentBatch, value):
        return _links((f"{_url('secondment_list')}?batch_id={record.pk}", value))

    def value_secondments_count(self, value):
        return value

    def render_actions(self, record: SecondmentBatch):
        return _links(
            (_url("batch_edit", record.pk), _("Sửa")),
            (f"{_url('secondment_create')}?batch={record.pk}", _("Cử cán bộ")),
        )


class SecondmentTable(Table):
    cadre = Column(verbose_name=_("Cán bộ"), accessor="cadre__full_name")
    home_agency = Column(verbose_name=_("Cơ quan cử"), accessor="cadre__home_agency__name", visible=False)
    commune_code = Column(verbose_name=_("Mã xã"), accessor="commune__code", visible=False)
    commune = Column(verbose_name=_("Xã"), accessor="commune__name")
    district = Column(verbose_name=_("Huyện"), accessor="commune__district__name", visible=False)
    kind = Column(verbose_name=_("Hình thức"))
    role_at_commune = Column(verbose_name=_("Chức danh tại xã"), visible=False)
    decision = Column(verbose_name=_("Quyết định"), **PAGE_ONLY)
    decided_by = Column(verbose_name=_("Cơ quan quyết định"), visible=False)
    decision_number = Column(verbose_name=_("Số quyết định"), visible=False)
    decision_date = DateColumn(verbose_name=_("Ngày quyết định"), visible=False)
    batch = Column(verbose_name=_("Đợt"), accessor="batch__name", visible=False)
    period = Column(verbose_name=_("Thời gian"), attrs=NUMBER_CELL, **PAGE_ONLY)
    start_date = DateColumn(verbose_name=_("Ngày bắt đầu"), visible=False)
    planned_end_date = DateColumn(verbose_name=_("Kết thúc dự kiến"), visible=False)
    actual_end_date = DateColumn(verbose_name=_("Kết thúc thực tế"), visible=False)
    criteria = Column(verbose_name=_("Tiêu chí đạt"), attrs={"td": {"class": "score"}}, **PAGE_ONLY)
    criteria_met_at_start = Column(verbose_name=_("Số tiêu chí khi đến"), visible=False)
    criteria_met_at_end = Column(verbose_name=_("Số tiêu chí khi kết thúc"), visible=False)

    def render_cadre(self, record: Secondment):
        link = format_html('<a href="{}"><strong>{}</strong></a>', _url("secondment_detail", record.pk), record.cadre)
        return _with_note(link, record.cadre.home_agency.name)

    def value_cadre(self, value):
        return value

    def render_commune(self, record: Secondment):
        return _with_note(record.commune.name, record.commune.district.name if record.commune.district else "")

    def value_commune(self, value):
        return value

    def render_kind(self, record: Secondment):
        return _with_note(record.get_kind_display(), record.role_at_commune, muted=False)

    def value_kind(self, value):
        return value

    def render_decision(self, record: Secondment):
        text = f"{record.decision_number} {_('ngày')} {_date(record.decision_date)}"
        return _with_note(text, record.batch.name if record.batch else "")

    def render_period(self, record: Secondment):
        if record.actual_end_date:
            end = _date(record.actual_end_date)
        elif record.planned_end_date:
            end = format_html('<span class="muted">({} {})</span>', _("dự kiến"), _date(record.planned_end_date))
        else:
            end = "…"
        return format_html("{} – {}", _date(record.start_date), end)

    def render_criteria(self, record: Secondment):
        return criteria_change(record)


class SponsorAssignmentTable(Table):
    agency = Column(verbose_name=_("Cơ quan, doanh nghiệp"), accessor="agency__name")
    commune_code = Column(verbose_name=_("Mã xã"), accessor="commune__code", visible=False)
    commune = Column(verbose_name=_("Xã"), accessor="commune__name")
    district = Column(verbose_name=_("Huyện"), accessor="commune__district__name", visible=False)
    role = Column(verbose_name=_("Vai trò"))
    decision = Column(verbose_name=_("Quyết định"), **PAGE_ONLY)
    decided_by = Column(verbose_name=_("Cơ quan quyết định"), visible=False)
    decision_number = Column(verbose_name=_("Số quyết định"), visible=False)
    decision_date = DateColumn(verbose_name=_("Ngày quyết định"), visible=False)
    start_date = DateColumn(verbose_name=_("Từ ngày"), visible=False)
    end_date = DateColumn(verbose_name=_("Đến ngày"), visible=False)
    visits_count = Column(verbose_name=_("Chuyến"), export_header=_("Số chuyến công tác"), attrs=NUMBER_CELL)
    days_on_site = NumberColumn(verbose_name=_("Ngày tại xã"), export_header=_("Số ngày tại xã"))
    hours_on_site = NumberColumn(verbose_name=_("Giờ tại xã"), export_header=_("Số giờ tại xã"))
    last_visit = DateColumn(verbose_name=_("Chuyến gần nhất"), attrs=NUMBER_CELL)
    support_vnd = MoneyColumn(verbose_name=_("Hỗ trợ"), export_header=_("Giá trị hỗ trợ (đồng)"))

    def render_agency(self, record: SponsorAssignment):
        return format_html('<a href="{}"><strong>{}</strong></a>', _url("assignment_detail", record.pk), record.agency)

    def value_agency(self, value):
        return value

    def render_commune(self, record: SponsorAssignment):
        return _with_note(record.commune.name, record.commune.district.name if record.commune.district else "")

    def value_commune(self, value):
        return value

    def render_decision(self, record: SponsorAssignment):
        period = f"{_date(record.start_date)} – {_date(record.end_date) or '…'}"
        return format_html('{}<br><small class="muted">{}</small>', record.decision_number, period)


def _late_class(record) -> str:
    return "num item-late" if record.items_late else "num"


class WorkPlanTable(Table):
    year = Column(verbose_name=_("Năm"), orderable=True, order_by=("year", "pk"))
    title = Column(verbose_name=_("Kế hoạch"), export_header=_("Tên kế hoạch"))
    agency = Column(verbose_name=_("Cơ quan, doanh nghiệp"), accessor="assignment__agency__name")
    commune_code = Column(verbose_name=_("Mã xã"), accessor="assignment__commune__code", visible=False)
    commune = Column(verbose_name=_("Xã"), accessor="assignment__commune__name")
    items_total = Column(verbose_name=_("Số nội dung"), visible=False)
    items_done = Column(verbose_name=_("Hoàn thành"), attrs={"td": {"class": "num item-done"}})
    items_late = Column(verbose_name=_("Quá hạn"), attrs={"td": {"class": _late_class}})
    items_open = Column(verbose_name=_("Đang thực hiện"), attrs=NUMBER_CELL)

    def render_title(self, record: WorkPlan):
        count = ngettext("%(counter)s nội dung", "%(counter)s nội dung", record.items_total)
        return format_html(
            '<a href="{}"><strong>{}</strong></a> <small class="muted">({})</small>',
            _url("work_plan_detail", record.pk),
            record.title,
            count % {"counter": record.items_total},
        )

    def value_title(self, value):
        return value

    def render_agency(self, record: WorkPlan):
        return format_html(
            '<a href="{}">{}</a>', _url("assignment_detail", record.assignment_id), record.assignment.agency
        )

    def value_agency(self, value):
        return value


class FieldVisitTable(Table):
    visit_date = DateColumn(
        verbose_name=_("Ngày"),
        export_header=_("Ngày đến xã"),
        attrs=NUMBER_CELL,
        orderable=True,
        order_by=("visit_date", "pk"),
    )
    agency = Column(verbose_name=_("Cơ quan, doanh nghiệp"), accessor="agency__name")
    commune_code = Column(verbose_name=_("Mã xã"), accessor="commune__code", visible=False)
    commune = Column(verbose_name=_("Xã"), accessor="commune__name")
    district = Column(verbose_name=_("Huyện"), accessor="commune__district__name", visible=False)
    days_on_site = NumberColumn(verbose_name=_("Ngày tại xã"), export_header=_("Số ngày tại xã"))
    hours_on_site = NumberColumn(verbose_name=_("Giờ"), export_header=_("Số giờ tại xã"))
    participants = Column(verbose_name=_("Thành phần"), visible=False)
    activities = Column(verbose_name=_("Nội dung làm việc"))
    party_cell_meetings = Column(
        verbose_name=_("Chi bộ"), export_header=_("Số buổi dự sinh hoạt chi bộ"), attrs=NUMBER_CELL
    )
    criteria = Column(verbose_name=_("Tiêu chí"), export_header=_("Tiêu chí hỗ trợ"), empty_values=())
    secondment = Column(verbose_name=_("Cán bộ biệt phái"), accessor="secondment__cadre__full_name", visible=False)
    actions = actions_column()

    def render_agency(self, record: FieldVisit):
        return _with_note(record.agency, record.secondment.cadre.full_name if record.secondment else "")

    def value_agency(self, value):
        return value

    def render_activities(self, record: FieldVisit):
        return _with_note(Truncator(record.activities).chars(160), record.participants)

    def value_activities(self, value):
        return value

    def render_criteria(self, record: FieldVisit):
        return self.value_criteria(record) or "—"

    def value_criteria(self, record: FieldVisit):
        return ", ".join(str(c.number) for c in record.criteria_addressed.all())

    def render_actions(self, record: FieldVisit):
        return _links((_url("field_visit_edit", record.pk), _("Sửa")))


class SupportContributionTable(Table):
    date = DateColumn(verbose_name=_("Ngày"), attrs=NUMBER_CELL, orderable=True, order_by=("date", "pk"))
    giver = Column(verbose_name=_("Đơn vị hỗ trợ"), accessor="giver__name")
    commune_code = Column(verbose_name=_("Mã xã"), accessor="commune__code", visible=False)
    commune = Column(verbose_name=_("Xã"), accessor="commune__name")
    district = Column(verbose_name=_("Huyện"), accessor="commune__district__name", visible=False)
    kind = Column(verbose_name=_("Hình thức"))
    value_vnd = MoneyColumn(
        verbose_name=_("Giá trị"),
        export_header=_("Giá trị (đồng)"),
        orderable=True,
        order_by=("value_vnd", "pk"),
    )
    description = Column(verbose_name=_("Nội dung"))
    criterion = Column(verbose_name=_("Tiêu chí"), export_header=_("Tiêu chí hướng tới"))
    actions = actions_column()

    def render_giver(self, record: SupportContribution):
        return str(record.giver)

    def value_giver(self, value):
        return value

    def render_criterion(self, value):
        return f"{value.number}. {value.name}"

    def value_criterion(self, value):
        return str(value)

    def render_actions(self, record: SupportContribution):
        return _links((_url("support_edit", record.pk), _("Sửa")))
