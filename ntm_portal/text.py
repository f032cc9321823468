"""Text helpers shared by every app."""

import unicodedata


def fold_vietnamese(text: str) -> str:
    """Lower-case ASCII form used for diacritic-insensitive search: "Định Hóa" -> "dinh hoa".

    Đ/đ is a letter of its own, not a D with a mark, so NFKD leaves it alone: map it first.
    """
    text = text.replace("Đ", "D").replace("đ", "d")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower().strip()
