"""Django's own rendering of dates and numbers in Vietnamese pages ({{ day }}, {{ value }} in a form), as
ntm_portal.formats writes them: day first with slashes ("02/12/2026"), not Django's "Ngày 2 tháng 12 năm 2026"
and "02-12-2026"; and the dates a form reads where it names no formats of its own (the report's and the
history's "as of", a recognition's decision date, the admin): day first, as offices write them. No
USE_THOUSAND_SEPARATOR: it would also group keys and years ("2.026") wherever printed."""

from ntm_portal.widgets import DATE_INPUT_FORMATS  # noqa: F401 - read by Django's format lookup

DATE_FORMAT = "d/m/Y"
SHORT_DATE_FORMAT = "d/m/Y"
DATETIME_FORMAT = "d/m/Y H:i"
SHORT_DATETIME_FORMAT = "d/m/Y H:i"
TIME_FORMAT = "H:i"
YEAR_MONTH_FORMAT = "m/Y"
MONTH_DAY_FORMAT = "d/m"
DECIMAL_SEPARATOR = ","
THOUSAND_SEPARATOR = "."
NUMBER_GROUPING = 3
FIRST_DAY_OF_WEEK = 1  # Monday
