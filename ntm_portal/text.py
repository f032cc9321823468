"""Text helpers shared by every app."""

import unicodedata


def fold_vietnamese(text: str) -> str:
    """Lower-case ASCII form used for diacritic-insensitive search: "Định Hóa" -> "dinh hoa".

    Đ/đ is a letter of its own, not a D with a mark, so NFKD leaves it alone: map it first.
    """
    text = text.replace("Đ", "D").replace("đ", "d")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower().strip()


def vnd(value: int | None) -> str:
    """22500000000 → "22.500.000.000 đ": đồng as Vietnamese offices write them, whatever the interface language."""
    return f"{value or 0:,}".replace(",", ".") + " đ"
