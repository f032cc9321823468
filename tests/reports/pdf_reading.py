"""A report read back as its reader sees it: each piece of text with its page and height on the page (pypdf), so that
a table whose cells hold several lines (the appendix matrix: a district's commune names beside their marks) is read
line by line, not cell after cell."""

import unicodedata

from ntm_portal import formats


def vi(value: float) -> str:
    """A share or average as the report writes it, in either language: one decimal, decimal comma ("76,9")."""
    return formats.number(value, 1)


def figure(value: float) -> str:
    """A median or a number of days as the report writes it: a decimal only where there is one ("65", "22,2")."""
    return formats.number(value, -1)


def positioned_lines(reader) -> list[tuple[int, float, str]]:
    """(page index, height on the page, text) of every piece of text, in the order pypdf reads them."""
    lines = []
    for number, page in enumerate(reader.pages):

        def keep(text, cm, tm, _font, _size, number=number):
            if text.strip():
                height = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]  # the text's matrix times the page's
                lines.append((number, height, unicodedata.normalize("NFC", text).strip()))

        page.extract_text(visitor_text=keep)
    return lines


def matrix_marks(lines: list[tuple[int, float, str]], commune_name: str) -> list[str] | None:
    """The marks (●, ○, ·) and criteria met printed on the appendix matrix's line of a commune: the last mention of
    its name (the matrix ends the report), alone or followed by its level ("Xã A – NTM nâng cao")."""
    page, height, _name = [
        line for line in lines if line[2] == commune_name or line[2].startswith(f"{commune_name} – ")
    ][-1]
    beside = [text for p, h, text in lines if p == page and abs(h - height) < 3 and text[0] in "●○·"]
    return beside[0].split() if beside else None
