"""The English catalogue: complete, well-formed, up to date with the sources, and actually used by the site.

The source strings (msgids) are Vietnamese, so only English has a catalogue: locale/en/LC_MESSAGES/django.po.
When a test here fails after you added a translatable string, run
    .venv/bin/python manage.py makemessages -l en --ignore=.venv --ignore=var --no-obsolete
translate the new entries in the .po (no empty msgstr, no `#, fuzzy`), and `make` compiles it.
"""

import re
import shutil
from pathlib import Path

import polib
import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.utils import translation

from communes.choices import NtmLevel

PO_PATH = Path(django_settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES" / "django.po"

# Python %-directives as msgfmt's python-format check sees them ("%%" is a literal percent sign, not a directive).
PERCENT_DIRECTIVE = re.compile(
    r"%(?:\((?P<name>[^)]*)\))?[#0 +-]*(?:\*|\d+)?(?:\.(?:\*|\d+))?(?P<conversion>[diouxXeEfFgGcrsa%])"
)
BRACE_PLACEHOLDER = re.compile(r"(?<!\{)\{[A-Za-z_][A-Za-z0-9_]*\}(?!\})")
HTML_TAG = re.compile(r"</?[A-Za-z][^<>]*>")

# What makemessages scans for the "django" domain (its default extensions), and folders that are not sources.
SOURCE_SUFFIXES = {".py", ".html", ".txt"}
NOT_SOURCES = {".venv", "venv", "var", "media", "staticfiles", "node_modules", "locale", "__pycache__"}


def _catalogue() -> polib.POFile:
    return polib.pofile(str(PO_PATH))


def _live_entries(catalogue: polib.POFile) -> list[polib.POEntry]:
    return [entry for entry in catalogue if not entry.obsolete and entry.msgid]


def _percent_directives(text: str) -> tuple[list[str], list[str]]:
    """Named placeholders (sorted, without repeats) and unnamed conversions (in order) of a python-format string."""
    named, unnamed = set(), []
    for match in PERCENT_DIRECTIVE.finditer(text):
        if match["conversion"] == "%" and match["name"] is None:
            continue
        if match["name"] is not None:
            named.add(f"%({match['name']}){match['conversion']}")
        else:
            unnamed.append(match["conversion"])
    return sorted(named), unnamed


def _placeholder_problems(entry: polib.POEntry, source: str, translated: str) -> list[str]:
    problems = []
    if "python-format" in entry.flags and _percent_directives(source) != _percent_directives(translated):
        problems.append(f"%-placeholders {_percent_directives(source)} ≠ {_percent_directives(translated)}")
    if sorted(set(BRACE_PLACEHOLDER.findall(source))) != sorted(set(BRACE_PLACEHOLDER.findall(translated))):
        problems.append(
            f"{{}}-placeholders {BRACE_PLACEHOLDER.findall(source)} ≠ {BRACE_PLACEHOLDER.findall(translated)}"
        )
    if sorted(HTML_TAG.findall(source)) != sorted(HTML_TAG.findall(translated)):
        problems.append(f"HTML tags {HTML_TAG.findall(source)} ≠ {HTML_TAG.findall(translated)}")
    if source[:1].isspace() != translated[:1].isspace() or source[-1:].isspace() != translated[-1:].isspace():
        problems.append("leading or trailing whitespace differs")
    return problems


def _copy_sources(destination: Path) -> None:
    """The project's translatable sources (what makemessages would read), without the virtualenv, data or catalogues."""
    root = Path(django_settings.BASE_DIR)

    def ignore(folder, names):
        return [
            name
            for name in names
            if name in NOT_SOURCES
            or name.startswith(".")
            or ((Path(folder) / name).is_file() and Path(name).suffix not in SOURCE_SUFFIXES)
        ]

    shutil.copytree(root, destination, ignore=ignore, symlinks=True)


@pytest.fixture
def english_catalogue_in_use(settings, tmp_path):
    """The current .po compiled into a temporary LOCALE_PATHS, so the site uses it whether or not `make` has run."""
    mo_path = tmp_path / "locale" / "en" / "LC_MESSAGES" / "django.mo"
    mo_path.parent.mkdir(parents=True)
    _catalogue().save_as_mofile(str(mo_path))
    settings.LOCALE_PATHS = [str(tmp_path / "locale")]  # the setting_changed signal empties Django's catalogue cache
    return mo_path


def test_every_entry_of_the_english_catalogue_is_translated_without_fuzzy_flags_and_with_the_msgids_placeholders():
    catalogue = _catalogue()
    entries = _live_entries(catalogue)
    assert len(entries) > 100, f"{PO_PATH} looks empty"
    assert not catalogue.metadata_is_fuzzy, "the catalogue header is marked fuzzy"
    assert catalogue.metadata.get("Language") == "en"
    problems = []
    for entry in entries:
        where = f"{entry.occurrences[0][0]}:{entry.occurrences[0][1]}" if entry.occurrences else "?"
        if "fuzzy" in entry.flags:
            problems.append(f"{where} {entry.msgid!r}: fuzzy")
        if entry.msgid_plural:
            pairs = [
                (entry.msgid, entry.msgstr_plural.get(0, "")),
                (entry.msgid_plural, entry.msgstr_plural.get(1, "")),
            ]
            if len(entry.msgstr_plural) != 2:
                problems.append(
                    f"{where} {entry.msgid!r}: needs exactly 2 plural forms, has {len(entry.msgstr_plural)}"
                )
        else:
            pairs = [(entry.msgid, entry.msgstr)]
        for source, translated in pairs:
            if not translated.strip():
                problems.append(f"{where} {source!r}: not translated")
                continue
            problems += [
                f"{where} {source!r} → {translated!r}: {p}" for p in _placeholder_problems(entry, source, translated)
            ]
    assert not problems, f"{len(problems)} problems in {PO_PATH}:\n" + "\n".join(problems)


def test_the_english_catalogue_has_every_translatable_string_of_the_sources(settings, tmp_path, monkeypatch):
    sources = tmp_path / "sources"
    _copy_sources(sources)
    locale = tmp_path / "locale"
    locale.mkdir()
    settings.LOCALE_PATHS = [str(locale)]
    monkeypatch.chdir(sources)
    call_command("makemessages", locale=["en"], keep_pot=True, no_obsolete=True, verbosity=0)
    extracted = polib.pofile(str(locale / "django.pot"))
    known = {(entry.msgctxt, entry.msgid, entry.msgid_plural) for entry in _live_entries(_catalogue())}
    missing = [
        f"  {', '.join(f'{path}:{line}' for path, line in entry.occurrences[:3])}  {entry.msgid!r}"
        + (f" / {entry.msgid_plural!r}" if entry.msgid_plural else "")
        for entry in _live_entries(extracted)
        if (entry.msgctxt, entry.msgid, entry.msgid_plural) not in known
    ]
    assert len(_live_entries(extracted)) > 100, "makemessages found almost nothing: is the source copy complete?"
    assert not missing, (
        f"{len(missing)} translatable strings are not in {PO_PATH.relative_to(django_settings.BASE_DIR)}: run "
        "`manage.py makemessages -l en --ignore=.venv --ignore=var --no-obsolete` and translate them:\n"
        + "\n".join(missing)
    )


@pytest.mark.django_db
def test_the_home_page_is_vietnamese_by_default_and_english_after_choosing_english(client, english_catalogue_in_use):
    vietnamese = client.get("/").content.decode()
    assert "Cổng thông tin xây dựng Nông thôn mới" in vietnamese
    assert "New Rural Development Portal" not in vietnamese

    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302

    english = client.get("/").content.decode()
    assert '<html lang="en">' in english
    assert "<h1>New Rural Development Portal</h1>" in english
    assert "Nông thôn mới" not in english


def test_a_model_choice_label_reads_in_english_under_an_english_override(english_catalogue_in_use):
    with translation.override("vi"):
        assert str(NtmLevel.STANDARD.label) == "Đạt chuẩn NTM"
    with translation.override("en"):
        assert str(NtmLevel.STANDARD.label) == "Meets the NTM standard"
        assert str(NtmLevel.ADVANCED.label) == "Advanced NTM"
