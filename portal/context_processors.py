"""Template context every page gets."""

from __future__ import annotations

from django.utils.functional import SimpleLazyObject

from criteria.selectors import waiting_counts
from ntm_portal.menu import navigation_for


def request_work_counts(request) -> dict[str, int]:
    """criteria.selectors.waiting_counts for the request's user, computed once per request: the navigation's badges
    and a landing page's to-do box read the same figures."""
    if not hasattr(request, "_work_counts"):
        request._work_counts = waiting_counts(user=request.user)
    return request._work_counts


def work_counts(request) -> dict:
    """`work_counts`: what waits for the signed-in user, for the navigation's badges — communes waiting in their
    verification and approval queues, their rounds returned to them. One query, run only when a template reads it,
    and none for a role with nothing to count."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"work_counts": SimpleLazyObject(lambda: request_work_counts(request))}


def navigation(request) -> dict:
    """`nav`: the menu entries the signed-in user may use, the current page marked (ntm_portal.menu)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"nav": SimpleLazyObject(lambda: navigation_for(user, request.path, lambda: request_work_counts(request)))}
