"""The site navigation: every entry once, with the check that decides who sees it (the checks live in
ntm_portal.access). base.html draws what `navigation_for` returns: the primary entries on the bar, the rest under
"Thêm", the user's own pages under their name. At 1366 px the bar must fit one line, so a role gets at most six
primary entries; the rest go under "Thêm".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from . import access

PRIMARY, MORE, ACCOUNT = "primary", "more", "account"
MAX_PRIMARY = 6


def _everyone(user) -> bool:
    return True


def _not_commune(user) -> bool:
    return access.own_commune_id(user) is None


def _not_liaison(user) -> bool:
    return access.liaison_agency_id(user) is None


def _neither_commune_nor_liaison(user) -> bool:
    return _not_commune(user) and _not_liaison(user)


def _own_commune(user) -> tuple | None:
    commune_id = access.own_commune_id(user)
    return (commune_id,) if commune_id else None


def _liaison(user) -> bool:
    return access.liaison_agency_id(user) is not None


@dataclass(frozen=True)
class Entry:
    key: str
    label: str
    url_name: str
    group: str
    show: Callable = _everyone  # user -> bool, or a tuple of URL args (None: not shown)
    badge: str = ""  # the work_counts key counted beside the label
    badge_title: str = ""
    marks: str = ""  # a URL name whose pages also mark this entry current (the dashboards for "Tổng quan")


# In the order they appear. `show` returning a tuple both shows the entry and gives its URL's arguments.
ENTRIES = (
    Entry("start", _("Tổng quan"), "home", PRIMARY, _neither_commune_nor_liaison, marks="dashboard:home"),
    Entry("start", _("Trang đầu"), "home", PRIMARY, _liaison),
    Entry("my_commune", _("Xã của tôi"), "communes:commune_detail", PRIMARY, _own_commune),
    Entry("communes", _("Danh sách xã"), "communes:commune_list", PRIMARY, _neither_commune_nor_liaison),
    Entry("my_communes", _("Các xã được giao"), "communes:commune_list", PRIMARY, _liaison),
    Entry("visit_new", _("Ghi chuyến công tác"), "secondments:field_visit_create", PRIMARY, _liaison),
    Entry("rounds", _("Kỳ đánh giá"), "criteria:round_list", PRIMARY, _not_liaison),
    Entry(
        "verification",
        _("Chờ thẩm tra"),
        "criteria:verification_queue",
        PRIMARY,
        access.may_verify_some,
        "verification",
        _("xã đang chờ thẩm tra"),
    ),
    Entry(
        "approval",
        _("Chờ thẩm định"),
        "criteria:approval_queue",
        PRIMARY,
        access.may_approve_some,
        "approval",
        _("xã đang chờ thẩm định"),
    ),
    Entry("todo", _("Việc cần làm"), "todo", PRIMARY, _everyone, "returned", _("kỳ đánh giá bị trả lại")),
    Entry("history", _("Lịch sử của xã"), "criteria:commune_history", PRIMARY, _own_commune),
    Entry("excel", _("Nhập bằng Excel"), "criteria:excel", PRIMARY, access.may_edit_some),
    Entry("matrix", _("Ma trận tiêu chí"), "communes:criteria_matrix", MORE, _not_commune),
    Entry("secondments", _("Biệt phái, luân chuyển"), "secondments:secondment_list", MORE),
    Entry("assignments", _("Giúp đỡ xã"), "secondments:assignment_list", MORE),
    Entry("visits", _("Chuyến công tác"), "secondments:field_visit_list", MORE, _liaison),
    Entry("support", _("Hỗ trợ đã ghi"), "secondments:support_list", MORE, _liaison),
    Entry("rounds", _("Kỳ đánh giá"), "criteria:round_list", MORE, _liaison),
    Entry("batches", _("Đợt biệt phái"), "secondments:batch_list", MORE, access.manages_secondments),
    Entry("reports", _("Báo cáo"), "reports:job_list", MORE),
    Entry("api_token", _("Khóa truy cập API"), "api-token", ACCOUNT),
    Entry("locked", _("Tài khoản bị khóa"), "locked-accounts", ACCOUNT, access.may_unlock_some),
)


@dataclass(frozen=True)
class Link:
    key: str
    label: str
    url: str
    current: bool
    count: int  # waiting work shown as a badge; 0 for none
    badge_title: str


@dataclass(frozen=True)
class Navigation:
    primary: list[Link]
    more: list[Link]
    account: list[Link]

    @property
    def more_current(self) -> bool:
        return any(link.current for link in self.more)

    @property
    def account_current(self) -> bool:
        return any(link.current for link in self.account)


def navigation_for(user, path: str, counts: Callable[[], dict[str, int]] = dict) -> Navigation:
    """The entries `user` may use, each with its URL, and the one for `path` marked current: the longest URL that
    `path` starts with (the start page only on itself), so a commune's round page marks "Kỳ đánh giá". `counts`
    gives the badges' figures (context_processors.request_work_counts), asked only when an entry has a badge."""
    shown: list[tuple[Entry, str]] = []
    for entry in ENTRIES:
        verdict = entry.show(user)
        if not verdict:
            continue
        shown.append((entry, reverse(entry.url_name, args=verdict if isinstance(verdict, tuple) else ())))
    # (length of the prefix the path starts with, key, URL): the longest prefix wins.
    matches = []
    for entry, url in shown:
        for prefix in (url, reverse(entry.marks) if entry.marks else None):
            if prefix and (path == prefix or (prefix != "/" and path.startswith(prefix))):
                matches.append((len(prefix), entry.key, url))
    current = max(matches, default=None)
    current_url = current[2] if current else None
    groups: dict[str, list[Link]] = {PRIMARY: [], MORE: [], ACCOUNT: []}
    for entry, url in shown:
        group = entry.group
        if group == PRIMARY and len(groups[PRIMARY]) >= MAX_PRIMARY:  # overflow leads the "Thêm" list
            group = MORE
        count = (counts().get(entry.badge) or 0) if entry.badge else 0
        groups[group].append(Link(entry.key, str(entry.label), url, url == current_url, count, str(entry.badge_title)))
    return Navigation(groups[PRIMARY], groups[MORE], groups[ACCOUNT])
