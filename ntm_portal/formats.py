"""Numbers, money, percentages and dates as Vietnamese offices write them, in every output of the portal (issue 19):
pages (the `ntm_formats` template filters), flash messages, form inputs, Excel cells and PDFs.

One convention whatever the interface language, as the province's documents have it: comma decimals and dot
thousands ("85,5", "1.234"), đồng after the figure ("50.000.000 đ"), percentages with one decimal ("100,0%"), dates
day first ("02/12/2026"). Reading what people type is the other half: `parse_number` ("85,5", "85.5", "50.000.000",
"12,5 triệu"), used by ntm_portal.fields.
"""

from __future__ import annotations

import datetime
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils import numberformat, timezone
from django.utils.translation import gettext_lazy as _

DECIMAL_SEPARATOR, THOUSAND_SEPARATOR = ",", "."
MISSING = "—"
PERCENT_PLACES = 1
DATE_FORMAT, DATETIME_FORMAT = "%d/%m/%Y", "%d/%m/%Y %H:%M"
# openpyxl number formats: Excel shows its own user's separators, so "#,##0" reads 50.000.000 in a Vietnamese Excel.
EXCEL_MONEY_FORMAT = "#,##0"
EXCEL_DECIMAL_FORMAT = "#,##0.0#"


def _decimal(value) -> Decimal:
    # str(): a float's shortest form (0.1, not 0.1000000000000000055...).
    return value if isinstance(value, Decimal) else Decimal(str(value))


def number(value, places: int | None = None, *, grouping: bool = True) -> str:
    """1234.5 -> "1.234,5"; `places` fixes the decimals (rounded half up), else trailing zeros go ("85.50" -> "85,5");
    a negative `places` keeps at most that many decimals, where there are any (-1: 22.25 -> "22,3", 65.0 -> "65", as
    Django's floatformat:-1 in Vietnamese). None is "—"."""
    if value is None or value == "":
        return MISSING
    value = _decimal(value)
    if places is not None and places < 0:
        value, places = value.quantize(Decimal(1).scaleb(places), rounding=ROUND_HALF_UP), None
    if places is None:
        text = format(value, "f")
        places = len(text.partition(".")[2].rstrip("0"))
    value = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)  # 85,55 -> 85,6 as taught at school
    return numberformat.format(
        value,
        DECIMAL_SEPARATOR,
        decimal_pos=places,
        grouping=3 if grouping else 0,
        thousand_sep=THOUSAND_SEPARATOR,
        force_grouping=grouping,
    )


def percent(value, places: int = PERCENT_PLACES) -> str:
    """85.5 -> "85,5%", 100 -> "100,0%": always the same number of decimals, so a column of them lines up."""
    return MISSING if value is None else f"{number(value, places)}%"


def vnd(value: int | None) -> str:
    """22500000000 -> "22.500.000.000 đ": đồng as Vietnamese offices write them; None (an empty sum) is 0 đ."""
    return f"{number(int(value or 0))} đ"


def date_text(value: datetime.date | None) -> str:
    """2026-12-02 -> "02/12/2026"; an aware datetime in local time, with its hour ("02/12/2026 14:05")."""
    if value is None:
        return MISSING
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.strftime(DATETIME_FORMAT)
    return value.strftime(DATE_FORMAT)


def number_input(value) -> str:
    """A figure as a form field shows it back: "85,5", "50.000.000"; empty for None."""
    return "" if value is None or value == "" else number(value)


# --- reading what people type --------------------------------------------------------------------------------------

# Words people write after a figure ("12,5 triệu"), with and without diacritics.
MULTIPLIERS = {
    "nghìn": 10**3,
    "nghin": 10**3,
    "ngàn": 10**3,
    "ngan": 10**3,
    "triệu": 10**6,
    "trieu": 10**6,
    "tr": 10**6,
    "tỷ": 10**9,
    "tỉ": 10**9,
    "ty": 10**9,
}
_CURRENCY = re.compile(r"(đồng|dong|vnđ|vnd|đ)$")
_NUMBER = re.compile(r"[+-]?[0-9][0-9.,]*")
_GROUPED = re.compile(r"[0-9]{1,3}([.,][0-9]{3})+")
INVALID_NUMBER = _("Nhập một số, ví dụ 85,5 hoặc 12,5 triệu.")


class NumberSyntaxError(ValueError):
    pass


def _plain_digits(text: str) -> Decimal:
    """The figure part, its separators read the Vietnamese way first: a comma is the decimal mark, dots group
    thousands; "85.5" (one dot, not three digits after it) is a decimal point, as typed on an English keypad."""
    commas, dots = text.count(","), text.count(".")
    if commas and dots:
        decimal_mark = "," if text.rfind(",") > text.rfind(".") else "."
        whole, _sep, fraction = text.rpartition(decimal_mark)
        if not _GROUPED.fullmatch(whole) and not whole.isdigit():
            raise NumberSyntaxError(text)
        whole = whole.replace(",", "").replace(".", "")
    elif commas > 1 or dots > 1:
        if not _GROUPED.fullmatch(text):
            raise NumberSyntaxError(text)
        whole, fraction = text.replace(",", "").replace(".", ""), ""
    elif dots == 1 and _GROUPED.fullmatch(text) and not text.startswith("0"):
        whole, fraction = text.replace(".", ""), ""  # "50.000": fifty thousand, as written in Vietnam
    else:
        whole, _sep, fraction = text.replace(",", ".").partition(".")
    if not whole.isdigit() or (fraction and not fraction.isdigit()):
        raise NumberSyntaxError(text)
    return Decimal(f"{whole}.{fraction or 0}")


def parse_number(text: str) -> Decimal:
    """ "85,5", "85.5", "1.234,5", "50.000.000", "50000000 đ", "12,5 triệu" -> a Decimal. Raises NumberSyntaxError."""
    cleaned = " ".join(str(text).replace("\u00a0", " ").split()).lower()
    cleaned = _CURRENCY.sub("", cleaned).strip()
    factor = 1
    for word, multiplier in MULTIPLIERS.items():
        if cleaned.endswith(word) and _NUMBER.fullmatch(cleaned[: -len(word)].strip()):
            cleaned, factor = cleaned[: -len(word)].strip(), multiplier
            break
    cleaned = cleaned.replace(" ", "")  # "50 000 000"
    if not _NUMBER.fullmatch(cleaned):
        raise NumberSyntaxError(text)
    sign = -1 if cleaned.startswith("-") else 1
    try:
        value = _plain_digits(cleaned.lstrip("+-")) * sign * factor
    except InvalidOperation as error:
        raise NumberSyntaxError(text) from error
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value


# --- names -----------------------------------------------------------------------------------------------------------


def agency_name(name: str, short_name: str = "", *, compact: bool = False) -> str:
    """An agency as the portal names it: its full name ("Sở Nông nghiệp và Phát triển nông thôn"), and its short name
    ("Sở NN&PTNT") only where space is short (`compact`: chart labels, narrow dashboard columns)."""
    return (short_name or name) if compact else name
