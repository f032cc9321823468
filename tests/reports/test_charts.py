"""The charts read on a phone and in the PDF (issue 19): every text of a SCREEN chart is 11 px or more when the chart
is shrunk to a 375 px screen, and a PRINT chart's text reads at 160 mm; labels are whole, never cut with "…"; each
chart has axis values and one criteria set; the map draws one linked dot per commune with coordinates, in the colour
of its standing, and none at 0,0."""

import datetime
import re
from xml.etree import ElementTree

import pytest

from communes.choices import NtmLevel
from criteria.forecast import unit_forecast
from criteria.maps import CommunesMap, MapPoint, communes_map_points
from criteria.models import Criterion
from criteria.selectors import YearProgress, unit_progress_summary, unit_progress_trend
from reports import charts
from secondments.selectors import secondment_results
from tests.communes.factories import CommuneFactory, RecognitionFactory
from tests.criteria.factories import CriteriaSetFactory, UnitTargetFactory
from tests.ntm_portal.test_dashboard import assess
from tests.secondments.factories import SecondmentFactory

pytestmark = pytest.mark.django_db

AS_OF = datetime.date(2020, 12, 31)
LONG_NAME = "Xây dựng hệ thống chính trị và hành chính công, tiếp cận pháp luật của người dân"
SVG = "{http://www.w3.org/2000/svg}"
PDF_WIDTH_PT = 160 / 25.4 * 72  # the PDF shows a chart 160 mm wide
MIN_PRINT_PT = 7


@pytest.fixture
def sets(db):
    """The 19-criterion set to 2025 (criterion 9 with a long name) and the 10-criterion set from 2026."""
    old = CriteriaSetFactory(
        code="ntm-old", name="Bộ 19 tiêu chí", period_start=2016, period_end=2025, criteria_count=19
    )
    Criterion.objects.filter(criteria_set=old, number=9).update(name=LONG_NAME)
    new = CriteriaSetFactory(
        code="ntm-new", name="Bộ 10 tiêu chí", period_start=2026, period_end=2030, criteria_count=10
    )
    Criterion.objects.filter(criteria_set=new).update(name="Tiêu chí mới")
    return old, new


@pytest.fixture
def case(geography, sets):
    """Province with 2 districts: A1 recognised, A2 at 17/19, B1 at 9/19, B2 without a round and without coordinates."""
    old, _new = sets
    for commune, (latitude, longitude) in (
        (geography.commune_a1, (21.95, 105.62)),
        (geography.commune_a2, (21.90, 105.70)),
        (geography.commune_b1, (21.75, 105.80)),
    ):
        commune.latitude, commune.longitude = latitude, longitude
        commune.save()
    geography.commune_b2 = CommuneFactory(name="Xã Không Tọa Độ", parent=geography.district_b)
    assess(geography.commune_a1, old, met=19)
    assess(geography.commune_a2, old, met=17)
    assess(geography.commune_b1, old, met=9)
    RecognitionFactory(commune=geography.commune_a1, year=2020, decision_date=datetime.date(2020, 6, 15))
    UnitTargetFactory(unit=geography.province, year=2020, min_communes_meeting_standard=2)
    UnitTargetFactory(unit=geography.district_a, year=2020, min_communes_meeting_standard=2)
    SecondmentFactory(
        commune=geography.commune_a2, start_date=datetime.date(2019, 3, 1), decision_date=datetime.date(2019, 2, 1)
    )
    return geography


def all_charts(province, layout) -> dict[str, str]:
    summary = unit_progress_summary(unit=province, as_of=AS_OF)
    trend = unit_progress_trend(unit=province, years=range(2016, 2021), as_of=AS_OF)
    drawn = {
        "bands": charts.bands_chart(summary, layout=layout),
        "districts": charts.districts_chart(summary, layout=layout),
        "criteria": charts.criteria_chart(summary, layout=layout),
        "trend": charts.trend_chart(trend, layout=layout),
        "secondments": charts.secondment_comparison_chart(
            secondment_results(unit=province, as_of=AS_OF), layout=layout
        ),
        "forecast": charts.forecast_chart(unit_forecast(unit=province, as_of=AS_OF).outlook, layout=layout),
        "commune": charts.commune_rounds_chart("Bộ 19 tiêu chí", [charts.RoundScore(2019, 12, 19)], layout=layout),
        "map": charts.communes_map(communes_map_points(unit=province, as_of=AS_OF), layout=layout),
    }
    assert all(drawn.values()), [name for name, svg in drawn.items() if not svg]
    return drawn


def parse(svg: str) -> ElementTree.Element:
    return ElementTree.fromstring(svg)


def parse_inline(svg: str) -> ElementTree.Element:
    """A chart as a page inlines it (charts.inline: no namespace declarations, HTML implies them)."""
    assert "xmlns" not in svg
    namespaces = 'xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"'
    return parse(svg.replace("<svg ", f"<svg {namespaces} ", 1))


def view_box_width(root) -> float:
    return float(root.get("viewBox").split()[2])


def font_sizes(root) -> list[float]:
    """The font size of every text element: its own attribute or its nearest ancestor's (SVG inherits it)."""
    parents = {child: parent for parent in root.iter() for child in parent}
    sizes = []
    for text in root.iter(f"{SVG}text"):
        element = text
        while element is not None and element.get("font-size") is None:
            element = parents.get(element)
        assert element is not None, "a text without a font size would take the browser's 16 px: set it"
        sizes.append(float(element.get("font-size").removesuffix("px")))
    return sizes


def texts(root) -> list[str]:
    return ["".join(text.itertext()).strip() for text in root.iter(f"{SVG}text")]


def test_every_screen_chart_keeps_its_text_at_11_px_or_more_on_a_375_px_phone(case):
    for name, svg in all_charts(case.province, charts.SCREEN).items():
        root = parse(svg)
        smallest = min(font_sizes(root)) * charts.PHONE_CHART_PX / view_box_width(root)
        assert smallest >= charts.MIN_PHONE_TEXT_PX, (name, smallest)


def test_every_print_chart_reads_at_160_mm_in_the_pdf(case):
    for name, svg in all_charts(case.province, charts.PRINT).items():
        root = parse(svg)
        assert min(font_sizes(root)) * PDF_WIDTH_PT / view_box_width(root) >= MIN_PRINT_PT, name


def test_the_pdfs_calls_without_a_layout_draw_the_print_size(case):
    summary = unit_progress_summary(unit=case.province, as_of=AS_OF)
    assert charts.criteria_chart(summary) == charts.criteria_chart(summary, layout=charts.PRINT)


def test_a_long_criterion_name_is_written_whole_over_lines_never_cut(case):
    for layout in (charts.SCREEN, charts.PRINT):
        lines = texts(parse(all_charts(case.province, layout)["criteria"]))
        assert not [line for line in lines if line.endswith("…")]
        assert f"9. {LONG_NAME}" in " ".join(" ".join(line.split()) for line in lines)
    screen = texts(parse(all_charts(case.province, charts.SCREEN)["criteria"]))
    assert not any(f"9. {LONG_NAME}" == " ".join(line.split()) for line in screen), "too long for one phone line"


def test_every_text_of_a_bar_chart_fits_the_phone_line_it_is_wrapped_to():
    width = charts.SCREEN.width_in * charts.POINTS_PER_INCH
    for line in charts.wrap(LONG_NAME, width, charts.SCREEN.font_pt):
        assert charts._text_width(line, charts.SCREEN.font_pt) <= width


def test_every_chart_has_values_on_its_axes(case):
    for name, svg in all_charts(case.province, charts.SCREEN).items():
        if name == "map":
            continue
        root = parse(svg)
        tick_labels = [
            "".join(group.itertext()).strip()
            for group in root.iter(f"{SVG}g")
            if re.fullmatch(r"[xy]tick_\d+", group.get("id", ""))
        ]
        assert len([label for label in tick_labels if re.search(r"\d", label)]) >= 3, name


def test_the_percent_charts_axis_reads_0_to_100_percent(case):
    lines = texts(parse(all_charts(case.province, charts.SCREEN)["criteria"]))
    for tick in ("0%", "50%", "100%"):
        assert tick in lines


def test_the_criteria_chart_shows_only_the_set_in_force(case, sets):
    old, new = sets
    summary = unit_progress_summary(unit=case.province, as_of=AS_OF)
    lines = " ".join(texts(parse(charts.criteria_chart(summary, layout=charts.SCREEN))))
    assert old.name in lines
    assert "Tiêu chí mới" not in lines
    assert lines.count(" Tiêu chí ") + lines.count(LONG_NAME) >= 19 - 1
    later = unit_progress_summary(unit=case.province, as_of=datetime.date(2026, 6, 30))
    lines = " ".join(texts(parse(charts.criteria_chart(later, layout=charts.SCREEN))))
    assert new.name in lines and LONG_NAME not in lines


def test_the_commune_page_draws_one_chart_per_criteria_set(client, province_coordinator, case, sets):
    old, new = sets
    assess(case.commune_a2, old, met=15, year=2019)
    assess(case.commune_a2, new, met=6, year=2026)
    client.force_login(province_coordinator)
    page = client.get(f"/communes/{case.commune_a2.pk}/").content.decode()
    figures = re.findall(r'<figure class="commune-chart">(.*?)</figure>', page, flags=re.S)
    assert len(figures) == 2
    first, second = (
        " ".join(texts(parse_inline(figure[figure.index("<svg") : figure.index("</svg>") + 6]))) for figure in figures
    )
    assert old.name in first and new.name not in first and "Đủ 19 tiêu chí" in first
    assert new.name in second and old.name not in second and "Đủ 10 tiêu chí" in second


# --- the map -------------------------------------------------------------------------------------------------------


def circles(svg: str) -> list[ElementTree.Element]:
    return [c for c in parse(svg).iter(f"{SVG}circle") if c.get("data-commune-id")]


def test_the_map_draws_one_dot_per_commune_with_coordinates_in_its_standings_colour(case):
    data = communes_map_points(unit=case.province, as_of=AS_OF)
    svg = charts.communes_map(data, href="/communes/{id}/", layout=charts.SCREEN)

    dots = {int(c.get("data-commune-id")): c for c in circles(svg)}
    assert set(dots) == {case.commune_a1.pk, case.commune_a2.pk, case.commune_b1.pk}
    expected = {case.commune_a1.pk: "standard", case.commune_a2.pk: "high", case.commune_b1.pk: "low"}
    for pk, standing in expected.items():
        assert dots[pk].get("data-standing") == standing
        assert dots[pk].get("fill") == charts.STANDING_COLOURS[standing]
    assert [p.name for p in data.without_coordinates] == ["Xã Không Tọa Độ"]
    assert data.without_coordinates[0].standing == "none"
    for dot in dots.values():  # inside the drawing, nowhere near its corner
        assert float(dot.get("cx")) > 5 and float(dot.get("cy")) > 5


def test_each_dot_links_to_its_commune_page_and_names_it(case):
    svg = charts.communes_map(communes_map_points(unit=case.province, as_of=AS_OF), href="/communes/{id}/")
    links = {a.get("href"): "".join(a.itertext()) for a in parse(svg).iter(f"{SVG}a")}
    assert links[f"/communes/{case.commune_a1.pk}/"].startswith("Xã Phú Đình: Đạt chuẩn NTM")


def test_a_dot_the_user_may_not_name_has_no_name_and_no_link(case):
    data = communes_map_points(unit=case.province, as_of=AS_OF)
    svg = charts.communes_map(data, href="/communes/{id}/", linked={case.commune_a1.pk})
    assert len(circles(svg)) == 3
    links = list(parse(svg).iter(f"{SVG}a"))
    assert [a.get("href") for a in links if a.get("aria-hidden") != "true"] == [f"/communes/{case.commune_a1.pk}/"]
    assert {a.get("href") for a in links} == {f"/communes/{case.commune_a1.pk}/"}  # and its tap area, no other
    assert "Xã Yên Ninh" not in svg


def test_each_linked_dot_has_a_tap_area_a_finger_can_hit_drawn_under_the_dots(case):
    root = parse(
        charts.communes_map(
            communes_map_points(unit=case.province, as_of=AS_OF), href="/communes/{id}/", layout=charts.SCREEN
        )
    )

    drawn = list(root.iter())
    areas = [a for a in root.iter(f"{SVG}a") if a.get("aria-hidden") == "true"]
    dots = [c for c in root.iter(f"{SVG}circle") if c.get("data-commune-id")]
    assert len(areas) == len(dots) == 3
    phone_px = charts.PHONE_CHART_PX / view_box_width(root)
    for area in areas:
        (disc,) = area.iter(f"{SVG}circle")
        assert 2 * float(disc.get("r")) * phone_px >= charts.MIN_TAP_PX > 2 * float(dots[0].get("r")) * phone_px
        assert disc.get("fill-opacity") == "0" and area.get("tabindex") == "-1"  # unseen, and not a keyboard stop
    assert {a.get("href") for a in areas} == {f"/communes/{dot.get('data-commune-id')}/" for dot in dots}
    # Under every dot: a tap on a dot opens that dot's commune, not a neighbour's whose area reaches it.
    assert max(drawn.index(area) for area in areas) < min(drawn.index(dot) for dot in dots)


def test_the_map_has_a_title_and_a_legend_counting_each_colour(case):
    svg = charts.communes_map(communes_map_points(unit=case.province, as_of=AS_OF), title="Tỉnh Thái Nguyên")
    lines = texts(parse(svg))
    assert lines[0] == "Tỉnh Thái Nguyên"
    for entry in (
        "Đạt chuẩn NTM (1)",
        "Chưa đạt chuẩn: 15–18 tiêu chí (1)",
        "Chưa đạt chuẩn: 5–9 tiêu chí (1)",
        "Chưa có kỳ đánh giá (1)",
    ):
        assert entry in lines


def test_an_advanced_commune_has_the_advanced_colour():
    point = MapPoint(
        commune_id=7,
        name="Xã A",
        latitude=21.0,
        longitude=105.0,
        standing="advanced",
        criteria_met=19,
        criteria_total=19,
    )
    other = MapPoint(
        commune_id=8,
        name="Xã B",
        latitude=21.2,
        longitude=105.3,
        standing="standard",
        criteria_met=19,
        criteria_total=19,
    )
    data = CommunesMap(unit_name="Tỉnh", as_of=AS_OF, criteria_set_name="Bộ", criteria_total=19, points=[point, other])
    dots = circles(charts.communes_map(data))
    assert [d.get("fill") for d in dots] == [charts.STANDING_COLOURS["advanced"], charts.STANDING_COLOURS["standard"]]


def test_the_map_selector_costs_two_queries_whatever_the_number_of_communes(case, sets, django_assert_num_queries):
    """The set in force with its criteria counted; the communes with their coordinates and standing."""
    with django_assert_num_queries(2):
        small = communes_map_points(unit=case.province, as_of=AS_OF)
    for i in range(20):
        commune = CommuneFactory(parent=case.district_a, latitude=21.5 + i / 50, longitude=105.6 + i / 50)
        if i % 2:
            RecognitionFactory(commune=commune, level=NtmLevel.ADVANCED, decision_date=datetime.date(2020, 1, 2))
    with django_assert_num_queries(2):
        large = communes_map_points(unit=case.province, as_of=AS_OF)
    assert len(large.points) == len(small.points) + 20
    assert len([p for p in large.points if p.standing == "advanced"]) == 10


def test_a_target_just_above_a_bar_leaves_the_bars_figure_readable_above_its_tick():
    def year(number: int, met: int, target: int | None) -> YearProgress:
        return YearProgress(
            year=number,
            as_of=datetime.date(number, 12, 31),
            criteria_set_id=1,
            criteria_set_code="ntm",
            criteria_total=19,
            communes_total=40,
            communes_meeting_standard=met,
            percent_meeting_standard=None,
            communes_assessed=40,
            average_criteria_met=None,
            lowest_criteria_met=None,
            target_communes_meeting_standard=target,
        )

    root = parse(charts.trend_chart([year(2021, 10, 11), year(2022, 20, None), year(2023, 30, 10)]))

    figures = {"".join(t.itertext()).strip(): float(t.get("y")) for t in root.iter(f"{SVG}text")}
    ticks = [float(use.get("y")) for use in root.iter(f"{SVG}use") if use.get("stroke") == charts.TARGET]
    tick_2021, tick_2023 = ticks[0], ticks[1]  # then the legend's
    descent, half_tick = 0.25 * charts.PRINT.font_pt, 2.5 / 2
    assert figures["10"] + descent < tick_2021 - half_tick  # over the tick, not under it
    assert figures["30"] < tick_2023  # a target below the bar's top crosses the bar, not its figure
