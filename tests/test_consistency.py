"""Issue 13's "Done when": over the demo province at several dates (the 2016, 2020 and 2024 year-ends and today), the
dashboard API, the commune list API, the browser commune list, the communes × criteria matrix, the commune page and
the PDF report show the same figures.

Every surface is read as a user reads it: through the API client or the browser's test client, logged in as the
demo's province coordinator (`vpdp_tinh`), and the figures are compared with one another, never with the ledger
directly (the ledger's own tests do that).

Which criteria set a page scores against is the one deliberate difference between the surfaces:
- the dashboard API (and the report form's default) uses the set *in force* in the date's year
  (`ledger.set_in_force`): on 31 December 2024 the 2021–2025 set, today (2026 or later) the 2026–2030 set, which no
  demo commune has been assessed on yet;
- the browser list and the matrix default to the same set in force; a commune not assessed on it yet shows its
  standing on the set before beside it.
The per-commune comparisons still pass the dashboard's set explicitly (`criteria_set=<code>`) to every surface, and a
separate test checks today's defaults and the previous set's figures against the API asked for that set.
"""

import datetime
import io
import unicodedata
from collections import Counter
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.test import Client
from django.utils import timezone
from pypdf import PdfReader
from rest_framework.test import APIClient

from communes.choices import NtmLevel
from communes.models import AdministrativeUnit
from criteria import ledger
from criteria.models import CriteriaSet
from demo.province import build_demo
from ntm_portal.models import User
from reports.choices import JobStatus
from reports.services import report_build
from tests.reports.factories import ReportJobFactory
from tests.reports.pdf_reading import matrix_marks, positioned_lines, vi
from tests.shared_rows import foreign_keys_checked, own_copy, rolled_back_at_end

pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("consistency_demo")]

# Enough communes for two districts (Định Hóa, the seed district, then Phú Lương), few enough to build in seconds.
DEMO_COMMUNES = 30
PROVINCE_NAME = "Tỉnh Thái Nguyên"
STANDARD_LEVELS = [NtmLevel.STANDARD.value, NtmLevel.ADVANCED.value, NtmLevel.MODEL.value]
API_PAGE_SIZE = 500  # the API's maximum: the whole demo province on one page

# The dates of the issue; "today" is resolved when the test runs.
REFORM_DAY = datetime.date(2025, 7, 1)  # the 2-level structure: new communes, no districts
DATES = ["2016-12-31", "2020-12-31", "2024-12-31", "today"]
# The set in force on each year-end date (the demo assesses each year on it: demo.province.SET_BY_YEAR).
SET_IN_FORCE = {"2016-12-31": "ntm-2016-2020", "2020-12-31": "ntm-2016-2020", "2024-12-31": "ntm-2021-2025"}
# A handful of communes for the commune page: the seed commune (seed 001) and the first ones by code.
PAGE_COMMUNES = 4
SEED_COMMUNE = "Xã Phú Đình"


def day_of(label: str) -> datetime.date:
    return timezone.localdate() if label == "today" else datetime.date.fromisoformat(label)


@pytest.fixture(scope="module")
def _module_demo(_national_sets_rows, django_db_blocker):
    """The demo province, built once for this module (every test here only reads it)."""
    with rolled_back_at_end(django_db_blocker):
        _national_sets_rows.restore()
        build_demo(communes=DEMO_COMMUNES)
        province = AdministrativeUnit.objects.provinces().get(name=PROVINCE_NAME)
        foreign_keys_checked()
        yield province, User.objects.get(username="vpdp_tinh")


@pytest.fixture
def province(_module_demo, db):
    return own_copy(_module_demo[0])


@pytest.fixture
def coordinator(_module_demo, db):
    return own_copy(_module_demo[1])


@pytest.fixture
def api(coordinator) -> APIClient:
    client = APIClient()
    client.force_authenticate(coordinator)
    return client


@pytest.fixture
def browser(coordinator) -> Client:
    client = Client()
    client.force_login(coordinator)
    return client


# --- each surface, read as its user reads it ------------------------------------------------------------------------


def dashboard(api: APIClient, province, day: datetime.date) -> dict:
    """The dashboard API's progress figures for the province on `day` (its default set: the set in force)."""
    response = api.get(f"/api/v1/dashboards/{province.pk}/", {"as_of": day.isoformat()})
    assert response.status_code == 200, response.content
    progress = response.json()["progress"]
    assert progress["as_of"] == day.isoformat()
    return progress


def api_communes(api: APIClient, day: datetime.date, criteria_set: str | None) -> dict[str, dict]:
    """The commune list API on `day`, by commune code: each commune's API row with its `progress`."""
    params = {"as_of": day.isoformat(), "page_size": API_PAGE_SIZE}
    if criteria_set:
        params["criteria_set_code"] = criteria_set
    response = api.get("/api/v1/communes/", params)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["next"] is None and body["count"] == len(body["results"]), "the demo province fits on one API page"
    rows = {row["code"]: row for row in body["results"]}
    assert all(row["progress"] is not None for row in rows.values()), "every demo commune is current on every date"
    return rows


def browser_list(browser: Client, day: datetime.date, criteria_set: str | None = None, **filters):
    """The browser commune list on `day` (GET /communes/): its context's page."""
    params = {"as_of": day.isoformat(), **filters}
    if criteria_set:
        params["criteria_set"] = criteria_set
    response = browser.get("/communes/", params)
    assert response.status_code == 200
    assert not response.context["form"].errors, response.context["form"].errors
    return response.context


def matrix(browser: Client, province, day: datetime.date, criteria_set: str | None = None):
    """The communes × criteria matrix of the province on `day` (GET /communes/matrix/): its context's matrix."""
    params = {"unit": province.pk, "as_of": day.isoformat()}
    if criteria_set:
        params["criteria_set"] = criteria_set
    response = browser.get("/communes/matrix/", params)
    assert response.status_code == 200
    assert not response.context["form"].errors, response.context["form"].errors
    return response.context["matrix"]


def list_scores(context) -> dict[str, int | None]:
    page = context["page"]
    assert page.paginator.num_pages == 1, "the demo province fits on one page of the list"
    return {row.commune.code: row.progress.criteria_met for row in page.object_list}


def one_decimal(total: int, count: int) -> float:
    """As the dashboard rounds an average or a share: one decimal, half up."""
    return float((Decimal(total) / Decimal(count)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


# --- communes meeting the standard ---------------------------------------------------------------------------------


@pytest.mark.parametrize("label", DATES)
def test_the_communes_meeting_the_standard_are_the_same_on_the_dashboard_the_api_the_list_and_the_matrix(
    label, province, api, browser
):
    day = day_of(label)
    figures = dashboard(api, province, day)
    meeting, total = figures["communes_meeting_standard"], figures["communes_total"]
    code = figures["criteria_set_code"]

    communes = api_communes(api, day, code)
    api_meeting = sum(row["progress"]["meets_standard"] for row in communes.values())
    assert (api_meeting, len(communes)) == (meeting, total), (
        f"{day}: the dashboard says {meeting}/{total} communes meet the standard, the commune list API "
        f"{api_meeting}/{len(communes)}"
    )

    everyone = browser_list(browser, day, code)["page"].paginator.count
    standard = browser_list(browser, day, code, ntm_level=STANDARD_LEVELS)["page"].paginator.count
    assert (standard, everyone) == (meeting, total), (
        f"{day}: the dashboard says {meeting}/{total} communes meet the standard, the commune list filtered by "
        f"level on that date shows {standard} of {everyone}"
    )

    rows = matrix(browser, province, day, code).rows
    matrix_meeting = sum(row.progress.meets_standard for row in rows)
    assert (matrix_meeting, len(rows)) == (meeting, total), (
        f"{day}: the dashboard says {meeting}/{total} communes meet the standard, the matrix "
        f"{matrix_meeting}/{len(rows)}"
    )


@pytest.mark.parametrize("label", DATES)
def test_the_communes_at_each_level_are_those_the_list_finds_when_filtered_by_that_level(label, province, api, browser):
    day = day_of(label)
    figures = dashboard(api, province, day)
    code = figures["criteria_set_code"]
    by_level = Counter(row["progress"]["ntm_level"] for row in api_communes(api, day, code).values())

    for level in NtmLevel.values:
        listed = browser_list(browser, day, code, ntm_level=[level])["page"].paginator.count
        assert figures["communes_by_level"][level] == by_level[level] == listed, (
            f"{day}, level {level}: the dashboard counts {figures['communes_by_level'][level]} communes, the commune "
            f"list API {by_level[level]}, the browser list filtered by that level {listed}"
        )


@pytest.mark.parametrize("label", DATES)
def test_the_commune_list_api_filtered_by_level_on_a_date_finds_the_communes_the_dashboard_counts(label, province, api):
    """`ntm_level` is one parameter name on the browser list and the API, both dated by `as_of`: a dashboard client
    counting the communes that meet the standard on a date with `?as_of=...&ntm_level=standard&ntm_level=advanced...`
    expects the dashboard's figure, as the browser list gives it."""
    day = day_of(label)
    figures = dashboard(api, province, day)
    params = {"as_of": day.isoformat(), "page_size": API_PAGE_SIZE, "ntm_level": STANDARD_LEVELS}
    response = api.get("/api/v1/communes/", params)
    assert response.status_code == 200, response.content
    found = response.json()["count"]
    assert found == figures["communes_meeting_standard"], (
        f"{day}: the dashboard counts {figures['communes_meeting_standard']} communes meeting the standard, the "
        f"commune list API filtered by ntm_level on that as_of finds {found} (it filters the level of today)"
    )


@pytest.mark.parametrize("label", DATES)
def test_each_districts_line_on_the_dashboard_counts_the_communes_the_api_lists_in_it(label, province, api):
    day = day_of(label)
    figures = dashboard(api, province, day)
    communes = api_communes(api, day, figures["criteria_set_code"]).values()
    if day >= REFORM_DAY:  # communes hang directly under the province since 1 July 2025
        assert figures["districts"] == [] and all(row["district"] is None for row in communes)
        return
    assert len(figures["districts"]) >= 2, "the demo of 30 communes spans two districts"

    for line in figures["districts"]:
        members = [row for row in communes if (row["district"] or {}).get("id") == line["district_id"]]
        meeting = sum(row["progress"]["meets_standard"] for row in members)
        assert (line["communes_meeting_standard"], line["communes_total"]) == (meeting, len(members)), (
            f"{day}, {line['name']}: the dashboard's district line says {line['communes_meeting_standard']}/"
            f"{line['communes_total']}, the commune list API {meeting}/{len(members)}"
        )


# --- criteria met per commune ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("label", DATES)
def test_each_communes_criteria_met_are_the_same_in_the_api_the_list_and_the_matrix(label, province, api, browser):
    day = day_of(label)
    # The dashboard's set (the set in force), passed to every surface: see the module's docstring.
    code = dashboard(api, province, day)["criteria_set_code"]

    in_api = {c: row["progress"]["criteria_met"] for c, row in api_communes(api, day, code).items()}
    in_list = list_scores(browser_list(browser, day, code))
    in_matrix = {row.progress.code: row.progress.criteria_met for row in matrix(browser, province, day, code).rows}

    assert len(in_api) == (
        DEMO_COMMUNES
        if day < REFORM_DAY
        else AdministrativeUnit.objects.communes().within(province).in_force_on(day).count()
    )
    assert in_list == in_api, f"{day}, set {code}: the browser list's scores differ from the commune list API's"
    assert in_matrix == in_api, f"{day}, set {code}: the matrix's scores differ from the commune list API's"


@pytest.mark.parametrize("label", DATES)
def test_the_dashboards_averages_and_bands_are_those_of_the_communes_the_api_lists(label, province, api):
    day = day_of(label)
    figures = dashboard(api, province, day)
    scores = [
        row["progress"]["criteria_met"]
        for row in api_communes(api, day, figures["criteria_set_code"]).values()
        if row["progress"]["criteria_met"] is not None
    ]

    assert figures["communes_assessed"] == len(scores)
    assert figures["communes_without_round"] == figures["communes_total"] - len(scores)
    assert figures["lowest_criteria_met"] == min(scores, default=None)
    assert figures["average_criteria_met"] == (one_decimal(sum(scores), len(scores)) if scores else None), (
        f"{day}: the dashboard's average criteria met is {figures['average_criteria_met']}, the API's communes "
        f"average {sum(scores)}/{len(scores)}"
    )
    for band in figures["bands"]:
        in_band = sum(band["min_criteria"] <= met <= band["max_criteria"] for met in scores)
        assert band["communes"] == in_band, (
            f"{day}: band {band['label']} on the dashboard {band['communes']}, API {in_band}"
        )


def test_counting_approved_rounds_only_the_dashboard_and_the_api_agree_on_the_demos_unfinished_2024_round(
    province, api
):
    """The demo's 2026 rounds sit at every step of the workflow: with `approved_only` a commune whose 2026 round is not
    approved yet has no round of the 2026–2030 set, on the dashboard as in the commune list API; an approved one
    counts from its approval, before its 31 December date."""
    day = datetime.date(2026, 12, 6)
    response = api.get(f"/api/v1/dashboards/{province.pk}/", {"as_of": day.isoformat(), "approved_only": "true"})
    assert response.status_code == 200, response.content
    figures = response.json()["progress"]
    assert (figures["approved_only"], figures["criteria_set_code"]) == (True, "ntm-2026-2030")
    response = api.get(
        "/api/v1/communes/",
        {
            "as_of": day.isoformat(),
            "page_size": API_PAGE_SIZE,
            "approved_only": "true",
            "criteria_set_code": "ntm-2026-2030",
        },
    )
    assert response.status_code == 200, response.content
    progress = [row["progress"] for row in response.json()["results"]]
    assert {p["round_year"] for p in progress} == {2026, None}, "some 2026 rounds are not approved yet"
    scores = [p["criteria_met"] for p in progress if p["criteria_met"] is not None]

    assert figures["communes_assessed"] == len(scores)
    assert figures["average_criteria_met"] == one_decimal(sum(scores), len(scores))
    assert figures["communes_meeting_standard"] == sum(p["meets_standard"] for p in progress)


@pytest.mark.parametrize("label", ["2016-12-31", "2020-12-31", "2024-12-31"])
def test_on_the_demos_year_ends_the_set_in_use_is_the_set_in_force(label, province, api, browser):
    """What lets the year-end comparisons above stand for what a user sees by default on each page."""
    day = day_of(label)

    assert dashboard(api, province, day)["criteria_set_code"] == SET_IN_FORCE[label]
    assert browser_list(browser, day)["criteria_set"].code == SET_IN_FORCE[label]
    assert matrix(browser, province, day).criteria_set.code == SET_IN_FORCE[label]


def test_today_every_page_scores_on_the_set_in_force_with_the_previous_sets_result_beside(province, api, browser):
    """Today the list and the matrix score on the set in force, as the dashboard does; a commune with no round of it
    yet shows its standing on the set before, which is what the API says when asked for that set."""
    today = timezone.localdate()
    context = browser_list(browser, today)
    in_force = dashboard(api, province, today)["criteria_set_code"]
    assert context["criteria_set"].code == in_force
    assert matrix(browser, province, today).criteria_set.code == in_force

    before = {c: row["progress"]["criteria_met"] for c, row in api_communes(api, today, "ntm-2021-2025").items()}
    waiting = [row for row in context["page"].object_list if row.progress.criteria_met is None]
    for row in waiting:
        assert row.progress.previous_criteria_met == before[row.commune.code], row.commune.name
    if in_force != "ntm-2021-2025":
        assert any(row.progress.previous_criteria_met is not None for row in waiting) or not waiting


# --- the commune page -----------------------------------------------------------------------------------------------


def page_communes(province, day: datetime.date | None = None) -> list[AdministrativeUnit]:
    """A few communes in force on `day` (today by default), the seed commune among them."""
    communes = AdministrativeUnit.objects.communes().within(province).in_force_on(day or timezone.localdate())
    communes = communes.order_by("code")
    chosen = list(communes[:PAGE_COMMUNES])
    seed = communes.get(name=SEED_COMMUNE)
    return chosen if seed in chosen else [*chosen, seed]


def test_the_commune_page_shows_the_latest_rounds_score_and_unmet_criteria_the_api_gives_today(province, api, browser):
    today = timezone.localdate()
    for commune in page_communes(province):
        context = browser.get(f"/communes/{commune.pk}/").context
        latest = context["latest"]
        assert latest is not None, f"{commune.name} has rounds in the demo"
        # The page shows the latest round of any set; the API is asked for that round's set (its default would be
        # the set in force today, on which the commune may have no round yet).
        progress = api_communes(api, today, latest.criteria_set.code)[commune.code]["progress"]
        if latest.as_of > today and not (latest.approved_on and latest.approved_on <= today):
            # The round under way (dated 31 December, not approved yet) is shown with its state; it does not count
            # in the figures before its date.
            assert progress["round_id"] != latest.pk and latest.status != "approved"
            continue
        shown = f"{latest.criteria_met}/{latest.criteria_total}"
        assert shown == f"{progress['criteria_met']}/{progress['criteria_total']}", (
            f"{commune.name}: the commune page shows {shown} for its {latest.year} round, the commune list API "
            f"{progress['criteria_met']}/{progress['criteria_total']} today against {latest.criteria_set.code}"
        )
        assert progress["round_id"] == latest.pk
        assert [c.number for c in context["data"].unmet] == [c["number"] for c in progress["unmet_criteria"]], (
            f"{commune.name}: the page's unmet criteria differ from the API's"
        )
        standing = context["data"].standing
        assert standing.ntm_level == progress["ntm_level"], (
            f"{commune.name}: the commune page shows the level {standing.ntm_level}, the API {progress['ntm_level']}"
        )


@pytest.mark.parametrize("label", ["2016-12-31", "2020-12-31", "2024-12-31"])
def test_the_commune_pages_round_of_a_year_shows_the_score_the_api_gives_on_that_years_end(
    label, province, api, browser
):
    day = day_of(label)
    in_api = api_communes(api, day, SET_IN_FORCE[label])
    for commune in page_communes(province, day):
        rounds = browser.get(f"/communes/{commune.pk}/").context["data"].rounds
        of_year = next(r for r in rounds if r.year == day.year)
        progress = in_api[commune.code]["progress"]
        shown = (of_year.criteria_met, of_year.criteria_total)
        assert shown == (progress["criteria_met"], progress["criteria_total"]), (
            f"{commune.name}: the commune page's {day.year} round shows {of_year.criteria_met}/"
            f"{of_year.criteria_total}, the commune list API {progress['criteria_met']}/{progress['criteria_total']} "
            f"on {day}"
        )


# --- the PDF report -------------------------------------------------------------------------------------------------


def report_pdf(province, day: datetime.date, criteria_set: str) -> tuple[PdfReader, str]:
    job = ReportJobFactory(unit=province, as_of=day, criteria_set=CriteriaSet.objects.get(code=criteria_set))
    job = report_build(job.pk)
    assert job.status == JobStatus.DONE, job.error
    with job.file.open("rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    text = unicodedata.normalize("NFC", "\n".join(page.extract_text() for page in reader.pages))
    return reader, " ".join(text.split())


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.mark.slow
@pytest.mark.parametrize("label", ["2020-12-31", "today"])
def test_the_pdf_report_prints_the_figures_the_dashboard_and_the_api_give(label, province, api, media_root):
    day = day_of(label)
    figures = dashboard(api, province, day)
    # The report form's default set is the dashboard's: the national set of the report's year.
    reader, text = report_pdf(province, day, figures["criteria_set_code"])

    meeting, total = figures["communes_meeting_standard"], figures["communes_total"]
    headline = f"{meeting}/{total} xã ({vi(figures['percent_meeting_standard'])}%)"
    assert headline in text, f"{day}: the PDF does not print the dashboard's headline {headline!r}"
    assert f"Tiến độ xây dựng nông thôn mới {province.name} đến ngày {day:%d/%m/%Y}" in text

    communes = api_communes(api, day, figures["criteria_set_code"])
    total_criteria = figures["criteria_total"]
    near_from = ledger.near_finish_from(total_criteria)
    # Communes close to the finish name their score: "Xã Phú Đình (Huyện Định Hóa) – 17/19, còn thiếu: ...".
    close = [
        row
        for row in communes.values()
        if not row["progress"]["meets_standard"] and (row["progress"]["criteria_met"] or 0) >= near_from
    ]
    scored = any(row["progress"]["criteria_met"] is not None for row in communes.values())
    assert bool(close) == scored, f"{day}: the demo has communes close to the finish whenever it has scores"
    for row in close[:2]:
        district = f" ({row['district']['name']})" if row["district"] else ""
        line = f"{row['name']}{district} – {row['progress']['criteria_met']}/{total_criteria}"
        assert line in text, f"{day}: the PDF does not print the API's score {line!r}"
    # In the appendix matrix a commune's line is its name (and level, if it meets the standard) beside its marks (met
    # ●, unmet ○, no round ·) one per criterion's column, then its criteria met ("–" without a round).
    lines = positioned_lines(reader)
    for row in sorted(communes.values(), key=lambda r: r["code"])[:3]:
        progress = row["progress"]
        unmet = {c["number"] for c in progress["unmet_criteria"]}
        if progress["criteria_met"] is None:
            marks, met = ["·"] * total_criteria, "–"
        else:
            marks = ["○" if n in unmet else "●" for n in range(1, total_criteria + 1)]
            met = str(progress["criteria_met"])
        shown = matrix_marks(lines, row["name"])
        assert shown == [*marks, met], f"{day}: the PDF's matrix shows {row['name']} as {shown}, the API at {met}"
