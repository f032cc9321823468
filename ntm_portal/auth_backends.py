"""Loading the signed-in user for each request."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class UnitModelBackend(ModelBackend):
    """Django's ModelBackend, except that the user of a session comes with their unit in the same query.

    Every page of a unit-bound user reads the unit (the scope, the navigation); joining it saves that query, and the
    navigation's counts of waiting work (portal.context_processors) spend it, so a page costs what it did before
    the counts were shown."""

    def get_user(self, user_id):
        user = get_user_model()._default_manager.select_related("unit").filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None
