"""The header and the start page on a phone (375×812) and at a desk (1366×900), for each role (issue 19)."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, login, screenshot
from tests.conftest import LIVE_PROCESSES
from tests.ntm_portal.factories import UserFactory

pytestmark = [pytest.mark.django_db(transaction=True), *LIVE_PROCESSES]

DESK = {"width": 1366, "height": 900}
TAP = 44  # px: the smallest tap target on a phone (WCAG 2.5.5)


@pytest.fixture
def people(province_coordinator, district_officer_a, commune_official_a1, agency_liaison, geography):
    """Each role's login and where `/` takes it."""
    UserFactory(username="root", is_superuser=True, is_staff=True)
    return {
        "province": ("coordinator", reverse("dashboard:unit", args=[geography.province.pk])),
        "district": ("officer_a", reverse("dashboard:unit", args=[geography.district_a.pk])),
        "commune": ("official_a1", reverse("communes:commune_detail", args=[geography.commune_a1.pk])),
        "liaison": ("liaison", reverse("home")),
        "superuser": ("root", reverse("home")),
    }


def box(locator) -> dict:
    return locator.bounding_box()


def test_each_role_lands_on_its_own_start_page_under_a_short_header_on_a_phone(new_page, people):
    for role, (username, start) in people.items():
        page = new_page(viewport=PHONE)
        login(page, username)  # which goes to / and on to the start page: no second visit drawing it again
        assert page.url.endswith(start), (role, page.url)
        assert page.locator("h1").is_visible()

        header, nav = page.locator("header.topbar"), page.locator("#site-nav")
        toggle = page.locator("[data-menu-toggle]")
        assert box(header)["height"] <= 64, role
        expect(nav).to_be_hidden()
        expect(toggle).to_have_attribute("aria-expanded", "false")
        screenshot(page, f"start-{role}-phone")

        toggle.click()
        expect(toggle).to_have_attribute("aria-expanded", "true")
        expect(nav).to_be_visible()
        page.locator("#site-nav details[data-nav-group] > summary").first.click()  # open "Thêm"
        links = nav.locator("a:visible")
        assert links.count() >= 4, role
        heights = [box(links.nth(i))["height"] for i in range(links.count())]
        assert min(heights) >= TAP, (role, heights)
        assert box(toggle)["height"] >= TAP
        assert box(nav.get_by_label("Ngôn ngữ"))["height"] >= TAP
        screenshot(page, f"menu-{role}-phone")
        page.context.close()


def test_each_roles_header_is_one_line_at_a_desk(new_page, people):
    for role, (username, start) in people.items():
        page = new_page(viewport=DESK)
        login(page, username)
        assert page.url.endswith(start), (role, page.url)
        expect(page.locator("[data-menu-toggle]")).to_be_hidden()
        header = box(page.locator("header.topbar"))
        assert header["height"] <= 56, (role, header)  # one line of 40 px entries and the bar's padding
        tops = {round(box(item)["y"]) for item in page.locator("#site-nav > ul > li").all()}
        assert max(tops) - min(tops) <= 8, (role, tops)  # every entry on the same line
        right = max(box(item)["x"] + box(item)["width"] for item in page.locator("#site-nav > ul > li").all())
        assert right <= DESK["width"], role
        assert page.evaluate("document.documentElement.scrollWidth") <= DESK["width"], role
        screenshot(page, f"start-{role}-desk")
        page.context.close()


def test_the_current_page_is_marked_and_the_dropdown_opens_without_leaving_the_line(new_page, province_coordinator):
    page = new_page(viewport=DESK)
    login(page, "coordinator")
    page.goto(reverse("criteria:round_list"))
    expect(page.locator('#site-nav a[aria-current="page"]')).to_have_text("Kỳ đánh giá")

    more = page.locator("#site-nav details[data-nav-group]").first
    more.locator("summary").click()
    expect(more.get_by_role("link", name="Báo cáo")).to_be_visible()
    account = page.locator("details.nav-user")
    account.locator("summary").click()  # opening one closes the other
    expect(more.get_by_role("link", name="Báo cáo")).to_be_hidden()
    expect(account.get_by_role("button", name="Đăng xuất")).to_be_visible()
    page.keyboard.press("Escape")
    expect(account.get_by_role("button", name="Đăng xuất")).to_be_hidden()


def test_without_javascript_the_phone_menu_is_simply_open(browser, live_server, commune_official_a1):
    context = browser.new_context(viewport=PHONE, base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    login(page, "official_a1")
    expect(page.locator("#site-nav")).to_be_visible()
    expect(page.locator("[data-menu-toggle]")).to_be_hidden()
    context.close()


def test_a_refresh_of_the_token_page_neither_shows_nor_rotates_the_key(new_page, commune_official_a1):
    page = new_page(viewport=PHONE)
    login(page, "official_a1")
    page.goto(reverse("api-token"))
    page.get_by_label("Tên khóa (khóa dùng cho việc gì)").fill("Bảng điều khiển")
    page.get_by_role("button", name="Tạo khóa").click()
    key = page.locator("#api-token-key").inner_text()
    assert page.url.endswith(reverse("api-token"))  # after the redirect: a refresh is a GET
    # The 64-character key wraps inside the phone's width.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "api-token-phone")

    page.reload()
    expect(page.locator("#api-token-key")).to_have_count(0)
    expect(page.locator("table.list tbody tr")).to_have_count(1)  # no second key issued
    assert key[:8] in page.locator("table.list").inner_text()


def test_revoking_a_token_asks_first(new_page, commune_official_a1):
    page = new_page(viewport=PHONE)
    login(page, "official_a1")
    page.goto(reverse("api-token"))
    page.get_by_role("button", name="Tạo khóa").click()
    page.get_by_role("link", name="Thu hồi…").click()

    expect(page.get_by_role("alert")).to_contain_text("Thu hồi khóa")
    page.get_by_role("link", name="Hủy").click()
    expect(page.locator("table.list tbody tr")).to_have_count(1)  # cancelling kept it

    page.get_by_role("link", name="Thu hồi…").click()
    page.get_by_role("button", name="Thu hồi khóa").click()
    expect(page.get_by_role("status")).to_contain_text("Đã thu hồi khóa")
    expect(page.locator("table.list")).to_have_count(0)


def test_the_header_stays_one_line_in_english(new_page, province_coordinator):
    # A long name and the longer English labels: the name gives way, the bar does not wrap or overflow.
    province_coordinator.first_name = "Văn phòng Điều phối Chương trình Nông thôn mới tỉnh"
    province_coordinator.save()
    page = new_page(viewport=DESK)
    login(page, "coordinator")
    page.get_by_label("Ngôn ngữ").select_option("en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    tops = {round(box(item)["y"]) for item in page.locator("#site-nav > ul > li").all()}
    assert max(tops) - min(tops) <= 8, tops
    assert box(page.locator("header.topbar"))["height"] <= 56
    assert page.evaluate("document.documentElement.scrollWidth") <= DESK["width"]
    screenshot(page, "start-province-desk-english")


def test_the_locked_accounts_list_is_cards_with_a_full_size_button_on_a_phone(new_page, province_coordinator):
    official = new_page(viewport=PHONE)
    UserFactory(username="locked_one", role="commune_official", unit=province_coordinator.unit)
    for _ in range(5):
        login(official, "locked_one", "sai-mat-khau")

    page = new_page(viewport=PHONE)
    login(page, "coordinator")
    page.goto(reverse("locked-accounts"))
    row = page.locator("table.list tbody tr")
    expect(row).to_have_count(1)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert box(row.get_by_role("link", name="Mở khóa…"))["height"] >= TAP
    label = row.locator("td").first.evaluate("td => getComputedStyle(td, '::before').content")
    assert label == '"Tên đăng nhập"'  # each cell labelled, as a card
    screenshot(page, "locked-accounts-phone")


def test_the_new_pages_and_the_menu_raise_no_content_security_policy_violation(new_page, people):
    from tests.browser.test_csp import COLLECT_VIOLATIONS

    found = {}
    for role in ("liaison", "superuser"):
        page = new_page(viewport=PHONE)
        page.context.add_init_script(COLLECT_VIOLATIONS)
        login(page, people[role][0])
        for url in ("/", reverse("api-token"), reverse("password_reset")):
            page.goto(url)
            page.locator("[data-menu-toggle]").click()  # the menu's script ran and answers
            expect(page.locator("#site-nav")).to_be_visible()
            violations = page.evaluate("window.__cspViolations")
            assert isinstance(violations, list)  # the collector ran on this page
            if violations:
                found[f"{role} {url}"] = violations
    assert found == {}
