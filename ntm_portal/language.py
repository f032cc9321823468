"""The portal's language: Vietnamese unless the user chose otherwise with the selector (Django's language cookie,
set by `set_language`). Not the browser's Accept-Language: a phone set to English got an English portal around
Vietnamese criterion names and commune data, which read worse than either language whole."""

from __future__ import annotations

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


class ChosenLanguageMiddleware(LocaleMiddleware):
    def process_request(self, request) -> None:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
