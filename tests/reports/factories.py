import datetime

import factory

from reports.choices import JobStatus
from reports.models import ReportJob
from tests.communes.factories import ProvinceFactory
from tests.criteria.factories import CriteriaSetFactory


class ReportJobFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReportJob

    unit = factory.SubFactory(ProvinceFactory)
    as_of = datetime.date(2024, 12, 31)
    criteria_set = factory.SubFactory(CriteriaSetFactory)
    language = "vi"
    status = JobStatus.QUEUED
