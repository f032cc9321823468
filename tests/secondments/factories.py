import datetime

import factory

from secondments.choices import AgencyKind, PlanPeriod, SecondmentKind, SupportKind
from secondments.models import (
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
from tests.communes.factories import CommuneFactory, ProvinceFactory


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency

    name = factory.Sequence(lambda n: f"Sở Thử Nghiệm {n}")
    kind = AgencyKind.DEPARTMENT
    unit = factory.SubFactory(ProvinceFactory)


class CadreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Cadre

    full_name = factory.Sequence(lambda n: f"Nguyễn Văn Thử {n}")
    home_agency = factory.SubFactory(AgencyFactory)


class SecondmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Secondment

    cadre = factory.SubFactory(CadreFactory)
    commune = factory.SubFactory(CommuneFactory)
    kind = SecondmentKind.SECONDED
    decided_by = "Ban Thường vụ Tỉnh ủy"
    decision_number = factory.Sequence(lambda n: f"{n}-TB/TU")
    decision_date = datetime.date(2016, 3, 1)
    start_date = datetime.date(2016, 3, 15)


class SponsorAssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SponsorAssignment

    agency = factory.SubFactory(AgencyFactory)
    commune = factory.SubFactory(CommuneFactory)
    decided_by = "UBND tỉnh"
    decision_number = "708/QĐ-UBND"
    decision_date = datetime.date(2017, 8, 17)
    start_date = datetime.date(2017, 8, 17)


class FieldVisitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FieldVisit

    agency = factory.SubFactory(AgencyFactory)
    commune = factory.SubFactory(CommuneFactory)
    visit_date = datetime.date(2018, 5, 10)
    days_on_site = 1
    activities = "Làm việc với Đảng ủy xã về tiêu chí giao thông"


class SupportContributionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SupportContribution

    giver = factory.SubFactory(AgencyFactory)
    commune = factory.SubFactory(CommuneFactory)
    date = datetime.date(2018, 6, 1)
    kind = SupportKind.CASH
    value_vnd = 50_000_000
    description = "Hỗ trợ xây dựng nhà văn hóa thôn"


class SecondmentBatchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SecondmentBatch

    province = factory.SubFactory(ProvinceFactory)
    name = factory.Sequence(lambda n: f"Đợt {n + 1}")
    year = 2016


class WorkPlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WorkPlan

    assignment = factory.SubFactory(SponsorAssignmentFactory)
    year = 2018
    title = factory.LazyAttribute(lambda o: f"Kế hoạch giúp đỡ xã năm {o.year}")


class WorkPlanItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WorkPlanItem

    work_plan = factory.SubFactory(WorkPlanFactory)
    period = PlanPeriod.QUARTER
    period_number = 2
    title = "Hỗ trợ xã hoàn thiện hồ sơ tiêu chí thu nhập"
    due_date = datetime.date(2018, 6, 30)
