"""Text helpers shared by every app."""

import unicodedata
from typing import TypeVar

# Moved to ntm_portal.formats with the portal's other number formats; imported here for the modules not yet switched
# (portal.dashboard, reports.pdf).
from .formats import vnd  # noqa: F401

T = TypeVar("T")


def normalize_text(value: T) -> T:
    """Text as the portal stores it: Unicode NFC, surrounding whitespace trimmed. Anything but a str (None, a query
    expression) is returned as it is.

    Vietnamese can be typed two ways: "ệ" as one code point (NFC, what most keyboards send) or as "e" plus two
    combining marks (NFD, what some macOS and mobile keyboards and copy-pastes from PDFs send). Both look identical,
    so without this the same agency name could be stored twice and a search would miss one of them.
    """
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value).strip()
    return value


def fold_vietnamese(text: str) -> str:
    """Lower-case ASCII form used for diacritic-insensitive search: "Định Hóa" -> "dinh hoa".

    Đ/đ is a letter of its own, not a D with a mark, so NFKD leaves it alone: map it first.
    """
    text = text.replace("Đ", "D").replace("đ", "d")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower().strip()
