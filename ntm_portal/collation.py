"""Vietnamese alphabetical order, the same in the database (PostgreSQL and SQLite) and in Python (issue 19).

Code-point order puts "Xã Phú Tiến" before "Xã Phú Đình" and "Ôn Lương", "Điềm Mặc" after every plain letter.
Vietnamese dictionaries sort by base letter first, in the alphabet a ă â b c d đ e ê g h i k l m n o ô ơ p q r s t
u ư v x y, and only then by tone (none, huyền, hỏi, ngã, sắc, nặng: CLDR's Vietnamese tailoring).

- PostgreSQL: the ICU collation `vi_icu` (migration communes 0009) built from ICU's "vi" locale.
- SQLite: a collation of the same name registered on every new connection, comparing `vi_sort_key`s.
- Python (rows already in memory: the matrix, choices built from lists): `sorted(..., key=vi_sort_key)`.

PyICU would give SQLite ICU's own keys, but PyPI has no wheel of it (it builds against libicu-dev), so the key below
is written out; tests/ntm_portal/test_collation.py checks it against the orders the issue names, on both databases.
Ordering: `queryset.order_by(vi_order("name"), "code")`, `vi_order("district__name", descending=True)`.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from django.db.backends.signals import connection_created
from django.db.models import F, OrderBy
from django.db.models.functions import Collate

COLLATION = "vi_icu"

# Letters with their own place in the alphabet (f j w z, absent from Vietnamese words, go where Latin puts them).
ALPHABET = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
_LETTER_RANK = {letter: rank for rank, letter in enumerate(ALPHABET)}
# The marks that make a letter of its own (breve, circumflex, horn) versus the five tones, in dictionary order.
_LETTER_MARKS = {"\u0306", "\u0302", "\u031b"}
_TONE_RANK = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}


def _letters(text: str) -> list[tuple[str, int, bool]]:
    """Each letter of `text` as (base letter with its letter marks, tone, upper case)."""
    letters: list[tuple[str, int, bool]] = []
    for char in unicodedata.normalize("NFD", text):
        if unicodedata.combining(char) and letters:
            base, tone, upper = letters[-1]
            if char in _LETTER_MARKS:
                letters[-1] = (unicodedata.normalize("NFC", base + char), tone, upper)
            else:
                letters[-1] = (base, tone or _TONE_RANK.get(char, 6), upper)
        else:
            letters.append((char.lower(), 0, char != char.lower()))
    return letters


def _primary(base: str) -> tuple[int, int]:
    # Spaces and punctuation before digits before letters, as ICU does.
    if base in _LETTER_RANK:
        return (2, _LETTER_RANK[base])
    if base.isdigit():
        return (1, ord(base))
    return (3, ord(base)) if base.isalpha() else (0, ord(base))


# SQLite compares two names at a time, each of them many times over in one ORDER BY (1,000 comparisons, 0.2 s of a
# province's report at 700 communes): a name's key is worked out once.
@lru_cache(maxsize=8192)
def vi_sort_key(text: str | None) -> tuple:
    """A key that sorts strings in Vietnamese order: letters first, then tones, then lower case before upper."""
    letters = _letters(text or "")
    return (
        tuple(_primary(base) for base, _tone, _upper in letters),
        tuple(tone for _base, tone, _upper in letters),
        tuple(upper for _base, _tone, upper in letters),
    )


def vi_compare(left: str | None, right: str | None) -> int:
    a, b = vi_sort_key(left), vi_sort_key(right)
    return (a > b) - (a < b)


def vi_order(field: str, *, descending: bool = False, nulls_last: bool | None = None) -> OrderBy:
    """An `order_by()` term sorting `field` (a name) in Vietnamese order, on PostgreSQL and SQLite alike."""
    expression = Collate(F(field), COLLATION)
    if descending:
        return expression.desc(nulls_last=nulls_last)
    return expression.asc(nulls_last=nulls_last)


def vi_sorted(items, *, key=lambda item: item):
    """`items` sorted in Vietnamese order of `key(item)` (a name): for rows already in memory."""
    return sorted(items, key=lambda item: vi_sort_key(key(item)))


def _register_sqlite_collation(sender, connection, **kwargs) -> None:
    if connection.vendor == "sqlite":
        connection.connection.create_collation(COLLATION, vi_compare)


def connect_signals() -> None:
    """Called from NtmPortalConfig.ready(): every SQLite connection gets the collation `vi_order` names."""
    connection_created.connect(_register_sqlite_collation, dispatch_uid="ntm_portal.collation.sqlite")
