import factory

from communes.choices import NtmLevel, Region, UnitKind
from communes.models import AdministrativeUnit, Recognition
from ntm_portal.choices import UnitLevel


class ProvinceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AdministrativeUnit

    code = factory.Sequence(lambda n: f"9{n:03d}")  # never a fixture's 2-digit GSO code ("19")
    name = factory.Sequence(lambda n: f"Tỉnh Thử Nghiệm {n}")
    level = UnitLevel.PROVINCE
    kind = UnitKind.PROVINCE


class DistrictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AdministrativeUnit

    code = factory.Sequence(lambda n: f"9{n:04d}")  # never a fixture's 3-digit GSO code ("167")
    name = factory.Sequence(lambda n: f"Huyện Thử {n}")
    level = UnitLevel.DISTRICT
    kind = UnitKind.RURAL_DISTRICT
    parent = factory.SubFactory(ProvinceFactory)


class CommuneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AdministrativeUnit

    code = factory.Sequence(lambda n: f"9{n:05d}")  # never a fixture's 5-digit GSO code ("05554"), however long the run
    name = factory.Sequence(lambda n: f"Xã Đồng Thử {n}")
    level = UnitLevel.COMMUNE
    kind = UnitKind.COMMUNE
    parent = factory.SubFactory(DistrictFactory)
    region = Region.NORTHERN_MIDLANDS_MOUNTAINS


class RecognitionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Recognition

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        from criteria import ledger  # noqa: PLC0415 - criteria's factories import these

        recognition = super()._create(model_class, *args, **kwargs)
        ledger.refresh_communes([recognition.commune_id])  # as the workflow services do
        return recognition

    commune = factory.SubFactory(CommuneFactory)
    level = NtmLevel.STANDARD
    year = 2020
    decision_number = factory.Sequence(lambda n: f"{n}/QĐ-UBND")
    decision_date = factory.LazyAttribute(lambda o: __import__("datetime").date(o.year, 12, 20))
    signer = "Chủ tịch UBND tỉnh"
