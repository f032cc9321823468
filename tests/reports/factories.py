import datetime

import factory

from reports.choices import JobStatus
from reports.models import ReportJob, ReportLetterhead
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


class ReportLetterheadFactory(factory.django.DjangoModelFactory):
    """A province's saved letterhead, worded as a coordination office writes it."""

    class Meta:
        model = ReportLetterhead

    unit = factory.SubFactory(ProvinceFactory)
    governing_body = "UBND TỈNH THÁI NGUYÊN"
    issuer = "VĂN PHÒNG ĐIỀU PHỐI NÔNG THÔN MỚI"
    number_suffix = "/BC-VPĐP"
    place = "Thái Nguyên"
    signer_title = "CHÁNH VĂN PHÒNG"
    recipients = "Lưu: VT"
