"""The core's access layer names no model: each app registers its models' change rules and gives their querysets a
`visible_to`. These tests hold the registry to what the API asks of it, and check that a model nobody registered is
refused, never allowed by default."""

import json

import pytest
from django.test import RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver

from communes.models import Recognition
from criteria.models import UnitTarget
from ntm_portal import access, errors
from ntm_portal.api.permissions import ScopedChangePermission
from ntm_portal.api.viewsets import PortalViewSetMixin
from ntm_portal.models import User
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
from tests.ntm_portal.factories import UserFactory

pytestmark = pytest.mark.django_db


def _api_viewsets():
    """Every DRF view class the URL tree routes to."""
    found, pending = set(), list(get_resolver().url_patterns)
    while pending:
        pattern = pending.pop()
        if isinstance(pattern, URLResolver):
            pending.extend(pattern.url_patterns)
        elif isinstance(pattern, URLPattern) and getattr(pattern.callback, "cls", None) is not None:
            found.add(pattern.callback.cls)
    return found


def test_every_api_model_is_read_through_its_own_visible_to():
    scoped = [view for view in _api_viewsets() if issubclass(view, PortalViewSetMixin)]
    assert len(scoped) >= 15
    assert [view.__name__ for view in scoped if not hasattr(view.queryset, "visible_to")] == []


def test_every_model_the_api_writes_has_a_registered_change_rule():
    writable = {view.queryset.model for view in _api_viewsets() if ScopedChangePermission in view.permission_classes}
    assert UnitTarget in writable and FieldVisit in writable
    assert writable <= set(access.registered_change_rules())


def test_the_registered_change_rules_are_the_secondment_side_and_the_targets():
    assert set(access.registered_change_rules()) == {
        Agency,
        Cadre,
        SecondmentBatch,
        Secondment,
        SponsorAssignment,
        WorkPlan,
        WorkPlanItem,
        FieldVisit,
        SupportContribution,
        UnitTarget,
    }


def test_a_model_without_a_change_rule_is_refused_even_to_the_admin():
    admin = UserFactory(username="root", is_superuser=True, is_staff=True)
    recognition = Recognition()

    assert access.may_change_any(admin, Recognition) is False
    assert access.can_change(admin, recognition) is False
    with pytest.raises(access.AccessDenied, match="Bạn không có quyền thêm, sửa hoặc xóa"):
        access.require_change(admin, recognition)
    assert access.may_change_any(admin, Agency) is True  # the admin may change what has a rule


def test_a_model_without_visible_to_shows_nothing_even_to_the_admin():
    admin = UserFactory(username="root", is_superuser=True, is_staff=True)

    assert User.objects.exists()
    assert list(access.visible(admin, User)) == []
    assert list(access.visible(admin, Agency)) == list(Agency.objects.all())


def test_access_denied_is_a_permission_denied_whose_words_the_403_page_shows():
    message = "Chỉ huyện quản lý Xã A1 được thẩm tra kết quả của xã."
    factory = RequestFactory()

    page = errors.permission_denied(factory.get("/criteria/"), access.AccessDenied(message))
    api = errors.permission_denied(factory.get("/api/v1/communes/"), access.AccessDenied(message))

    assert page.status_code == 403 and message in page.content.decode()
    assert api.status_code == 403
    assert json.loads(api.content) == {"detail": message, "code": "permission_denied"}
