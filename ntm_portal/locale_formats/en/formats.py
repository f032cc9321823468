"""The English pages keep Django's English formats, except for the dates a form reads where it names no formats of its
own: day first, as in the Vietnamese pages. The people typing them are the same offices; Django's English default
would read 05/06/2024 as 6 May."""

from ntm_portal.widgets import DATE_INPUT_FORMATS  # noqa: F401 - read by Django's format lookup
