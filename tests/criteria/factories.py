import datetime

import factory

from criteria import ledger
from criteria.choices import Comparison, SetLevel
from criteria.models import (
    AssessmentChange,
    AssessmentRound,
    CriteriaSet,
    Criterion,
    CriterionResult,
    EvidenceFile,
    Indicator,
    IndicatorTarget,
    IndicatorValue,
    UnitTarget,
)
from tests.communes.factories import CommuneFactory, DistrictFactory


class CriteriaSetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CriteriaSet
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"test-set-{n}")
    name = factory.Sequence(lambda n: f"Bộ tiêu chí thử {n}")
    period_start = 2016
    period_end = 2020
    level = SetLevel.BASIC
    legal_basis = "QĐ 1980/QĐ-TTg"

    @factory.post_generation
    def criteria_count(obj, create, extracted, **kwargs):  # noqa: N805 - factory_boy hook signature
        """CriteriaSetFactory(criteria_count=19) builds the set with that many numbered criteria."""
        for number in range(1, (extracted or 0) + 1):
            CriterionFactory(criteria_set=obj, number=number, name=f"Tiêu chí {number}")


class CriterionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Criterion

    criteria_set = factory.SubFactory(CriteriaSetFactory)
    number = factory.Sequence(lambda n: n + 1)
    name = factory.Sequence(lambda n: f"Tiêu chí {n + 1}")


class IndicatorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Indicator

    criterion = factory.SubFactory(CriterionFactory)
    code = factory.Sequence(lambda n: f"{n}.1")
    name = "Chỉ tiêu thử"
    comparison = Comparison.PERCENT_AT_LEAST


class KeepsLedger:
    """Rows made by this factory reach the progress ledger at once, as the workflow services' writes do."""

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        row = super()._create(model_class, *args, **kwargs)
        ledger.refresh_communes([cls._commune_id(row)])
        return row

    @staticmethod
    def _commune_id(row) -> int:
        return row.commune_id


class AssessmentRoundFactory(KeepsLedger, factory.django.DjangoModelFactory):
    class Meta:
        model = AssessmentRound

    commune = factory.SubFactory(CommuneFactory)
    criteria_set = factory.SubFactory(CriteriaSetFactory)
    year = 2018
    as_of = factory.LazyAttribute(lambda o: datetime.date(o.year, 12, 31))


class CriterionResultFactory(KeepsLedger, factory.django.DjangoModelFactory):
    class Meta:
        model = CriterionResult

    @staticmethod
    def _commune_id(row) -> int:
        return row.assessment_round.commune_id

    assessment_round = factory.SubFactory(AssessmentRoundFactory)
    criterion = factory.SubFactory(CriterionFactory)
    met = True
    assessed_as_whole = True


class IndicatorValueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IndicatorValue

    assessment_round = factory.SubFactory(AssessmentRoundFactory)
    indicator = factory.SubFactory(IndicatorFactory)
    value_number = 85


class UnitTargetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = UnitTarget

    unit = factory.SubFactory(DistrictFactory)
    year = 2020
    min_communes_meeting_standard = 10


class IndicatorTargetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IndicatorTarget

    indicator = factory.SubFactory(IndicatorFactory)
    threshold = 80


class EvidenceFileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EvidenceFile

    assessment_round = factory.SubFactory(AssessmentRoundFactory)
    file = factory.django.FileField(filename="bien-ban.pdf", data=b"%PDF-1.4 test")
    description = "Biên bản họp thôn"


class AssessmentChangeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AssessmentChange

    assessment_round = factory.SubFactory(AssessmentRoundFactory)
    commune = factory.SelfAttribute("assessment_round.commune")
    kind = "state"
    field = "status"
    old_value = "draft"
    new_value = "submitted"
