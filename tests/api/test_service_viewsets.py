"""Each viewset that writes through an app's services finds them by its model's name: a renamed service or model
fails here, not on a client's first write."""

import pytest

import secondments.api.views  # noqa: F401 - declares the viewsets
from ntm_portal.api.viewsets import ServiceModelViewSet, entity_name


def _subclasses(cls):
    for subclass in cls.__subclasses__():
        yield subclass
        yield from _subclasses(subclass)


WRITING_VIEWSETS = [cls for cls in _subclasses(ServiceModelViewSet) if getattr(cls, "queryset", None) is not None]


def test_the_entity_is_the_models_name_in_snake_case():
    assert [entity_name(type(name, (), {})) for name in ("Agency", "SecondmentBatch", "WorkPlanItem")] == [
        "agency",
        "secondment_batch",
        "work_plan_item",
    ]


@pytest.mark.parametrize("viewset", WRITING_VIEWSETS, ids=lambda cls: cls.__name__)
def test_the_viewset_finds_its_create_update_and_delete_services(viewset):
    for action in ("create", "update", "delete"):
        assert callable(viewset().service(action)), action
    assert viewset.update_fields, "the fields the update service may change"
