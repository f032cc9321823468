"""The dashboards' figures are served whole: each field of a selector's dataclass is a field of its serializer, in the
dataclass's order, and a field added to the dataclass is served without touching the serializer."""

import dataclasses
from decimal import Decimal

import pytest

import criteria.api.serializers  # noqa: F401 - declares the readings the API serves
import portal.api.serializers  # noqa: F401
import secondments.api.serializers  # noqa: F401
from criteria.selectors import TargetProgress
from ntm_portal.api.serializers import ReadingSerializer
from portal.api.serializers import TargetProgressSerializer, UnitProgressSerializer


def _subclasses(cls):
    for subclass in cls.__subclasses__():
        yield subclass
        yield from _subclasses(subclass)


READINGS = [cls for cls in _subclasses(ReadingSerializer) if cls.__module__.endswith(".api.serializers")]


def test_every_reading_of_the_dashboards_is_served_by_a_dataclass_serializer():
    assert {cls.Meta.dataclass.__name__ for cls in READINGS} >= {
        "UnitProgress",
        "DistrictProgress",
        "TargetProgress",
        "CriterionProgress",
        "CriteriaBand",
        "YearProgress",
        "SecondmentSummary",
        "BatchSummary",
        "SponsorSummary",
        "AgencyActivity",
        "SecondmentResults",
        "SecondmentResult",
        "OutcomeGroup",
        "OutcomeFigures",
        "SponsorAccountability",
        "AgencyAccountability",
        "QuarterActivity",
        "CommuneRef",
        "SupportLine",
        "UnitForecast",
        "TargetOutlook",
        "CommuneForecast",
        "CommuneProgress",
    }


@pytest.mark.parametrize("serializer_class", READINGS, ids=lambda cls: cls.__name__)
def test_the_serializer_serves_every_field_of_its_dataclass_in_its_order(serializer_class):
    dataclass = serializer_class.Meta.dataclass
    excluded = set(getattr(serializer_class.Meta, "exclude", ()))
    expected = [field.name for field in dataclasses.fields(dataclass) if field.name not in excluded]

    sources = [field.source.split(".")[0] for field in serializer_class().fields.values()]

    assert [source for source in sources if source in expected] == expected


def test_a_field_added_to_a_selectors_dataclass_is_served_without_touching_the_serializer():
    widened = dataclasses.make_dataclass(
        "WidenedTargetProgress", [("communes_behind", int | None)], bases=(TargetProgress,), frozen=True
    )

    class WidenedTargetProgressSerializer(TargetProgressSerializer):
        class Meta(TargetProgressSerializer.Meta):
            dataclass = widened

    figures = widened(
        year=2025,
        decision="QĐ 12/QĐ-UBND",
        min_communes_meeting_standard=10,
        communes_meeting_standard=6,
        percent_of_target=60.0,
        target_percent_meeting_standard=43.5,
        communes_target_met=False,
        min_average_criteria=None,
        average_criteria_met=15.5,
        average_target_met=None,
        min_criteria_per_commune=None,
        lowest_criteria_met=9,
        min_criteria_target_met=None,
        communes_behind=4,
    )
    body = WidenedTargetProgressSerializer(figures).data

    assert list(body)[-1] == "communes_behind" and body["communes_behind"] == 4
    assert body["percent_of_target"] == 60.0 and body["min_average_criteria"] is None
    assert WidenedTargetProgressSerializer().fields["communes_behind"].allow_null


def test_a_renamed_figure_keeps_its_place_and_a_decimal_its_format():
    figures = TargetProgress(
        year=2025,
        decision="",
        min_communes_meeting_standard=None,
        communes_meeting_standard=0,
        percent_of_target=None,
        target_percent_meeting_standard=None,
        communes_target_met=None,
        min_average_criteria=Decimal("15"),
        average_criteria_met=None,
        average_target_met=None,
        min_criteria_per_commune=None,
        lowest_criteria_met=None,
        min_criteria_target_met=None,
    )

    assert TargetProgressSerializer(figures).data["min_average_criteria"] == "15.0"
    assert list(UnitProgressSerializer().fields)[:4] == ["unit_id", "code", "name", "level"]
