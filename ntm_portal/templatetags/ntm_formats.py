"""Template filters of ntm_portal.formats: `{% load ntm_formats %}`, then `{{ value|number }}`, `{{ share|percent }}`,
`{{ amount|vnd }}`, `{{ day|vi_date }}`. Rather than floatformat, which writes "85.5" in English pages and "100" beside
"100,0"."""

from django import template

from ntm_portal import formats

register = template.Library()


@register.filter
def number(value, places=None):
    """`{{ 1234.5|number }}` -> "1.234,5"; `{{ x|number:1 }}` with one decimal; `{{ x|number:"-1" }}` with one where
    there is one."""
    return formats.number(value, None if places in (None, "") else int(places))


@register.filter
def percent(value):
    return formats.percent(value)


@register.filter
def vnd(value):
    return formats.vnd(value)


@register.filter
def vi_date(value):
    return formats.date_text(value)
