"""The attack run of issue 17, measured again: leaks, lost updates, doubled transitions, injections, password guessing.

    .venv/bin/python tests/faults/run_probes.py          (as root or as a user who may run PostgreSQL's initdb)

Starts servers of its own, never the machine's (a Redis and a throwaway PostgreSQL cluster on free ports, from
tests/servers.py), migrates, loads a small demo and a second province (tests/faults/probe_world.py), runs gunicorn
(production settings, as docker-compose runs them) and a Celery worker, then measures against the live server:

1. access: for each of 9 personas (5 of the demo's province, 4 of the second), with an API token and with a browser
   session, every API list, detail, history and dashboard endpoint and the browser's lists, detail and edit pages,
   dashboards and downloads, for records of another province (and, for a district, a commune or an agency, of
   another district, commune or assignment in the same province). A leak is such a record answered 200 or listed.
   Controls: the persona's own records answer too, else the probes prove nothing;
2. lost updates: 20 parallel saves of one round with the same `version`: one 200, nineteen 409, the winner stored;
3. doubled transitions: the same step sent twice at once: exactly one success;
4. injections: stored XSS in pages, formulas in .xlsx exports, SQL in search and filter parameters, CSRF, open
   redirects after sign-in;
5. password guessing: 40 wrong passwords then the right one, in the browser and for a token; wrong tokens.

The schemathesis run (tests/api/test_schema.py) and the report whose worker is killed (tests/reports/test_worker.py)
are in the test suite, not here. Prints a table and, last, the same figures as one JSON line; exits 1 when a goal is
missed. Not collected by pytest (its name does not start with test_).
"""

from __future__ import annotations

import io
import json
import random
import re
import secrets
import subprocess
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import openpyxl
import requests

BASE_DIR = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(BASE_DIR))

from tests.faults.measure import Answer, Results, begin, end, logger  # noqa: E402 - needs the path above
from tests.servers import Celery, Gunicorn, Postgres, RedisServer, production_env  # noqa: E402

PASSWORD = "ntm-demo-2026"  # the demo's (demo.province.DEMO_PASSWORD)
SAMPLES = 4  # foreign records tried per resource, persona and kind of foreignness
PAGE_SIZE = 500  # the API's most
PARALLEL_SAVES = 20
GUESSES = 40
GUESSES_PER_SECOND = 4  # faster than the 1.2/s the issue measured
WRONG_TOKENS = 40
THREADS = 4

# Resources whose records belong to one commune: scoped by district, commune and assignment too, not only province.
COMMUNE_SCOPED = {
    "communes",
    "recognitions",
    "assessment-rounds",
    "indicator-values",
    "secondments",
    "sponsor-assignments",
    "work-plans",
    "work-plan-items",
    "field-visits",
    "support-contributions",
    "evidence",
}
API_LISTS = [
    "administrative-units",
    "communes",
    "recognitions",
    "assessment-rounds",
    "indicator-values",
    "unit-targets",
    "agencies",
    "cadres",
    "secondment-batches",
    "secondments",
    "sponsor-assignments",
    "work-plans",
    "work-plan-items",
    "field-visits",
    "support-contributions",
    "reports",
]
API_HISTORIES = [
    "assessment-rounds",
    "cadres",
    "field-visits",
    "secondments",
    "sponsor-assignments",
    "support-contributions",
    "work-plan-items",
    "work-plans",
]
DASHBOARD_PARTS = ["", "forecast/", "secondment-results/", "sponsor-accountability/", "trend/"]
# Browser pages of one record, by resource; "view" pages must answer the persona's own records (the controls).
BROWSER_PAGES = {
    "communes": [("/communes/{}/", True), ("/assessments/communes/{}/history/", True)],
    "administrative-units": [
        ("/dashboard/{}/", True),
        ("/dashboard/{}/secondments/", True),
        ("/dashboard/{}/sponsors/", True),
        ("/dashboard/{}/forecast/", True),
    ],
    "assessment-rounds": [("/assessments/{}/", True)],
    "secondments": [("/secondments/{}/", True), ("/secondments/{}/edit/", False)],
    "sponsor-assignments": [("/secondments/assignments/{}/", True), ("/secondments/assignments/{}/edit/", False)],
    "work-plans": [("/secondments/work-plans/{}/", True), ("/secondments/work-plans/{}/edit/", False)],
    "work-plan-items": [("/secondments/work-plan-items/{}/edit/", False)],
    "field-visits": [("/secondments/field-visits/{}/edit/", False)],
    "support-contributions": [("/secondments/support/{}/edit/", False)],
    "cadres": [("/secondments/cadres/{}/edit/", False)],
    "agencies": [("/secondments/agencies/{}/edit/", False)],
    "secondment-batches": [("/secondments/batches/{}/edit/", False)],
    "evidence": [("/assessments/evidence/{}/", True)],
    "reports": [("/reports/{}/", True), ("/reports/{}/status/", True), ("/reports/{}/download/", False)],
}
BROWSER_LISTS = [
    "/",
    "/todo/",
    "/dashboard/",
    "/communes/",
    "/communes/matrix/",
    "/assessments/",
    "/assessments/queues/verification/",
    "/assessments/queues/approval/",
    "/secondments/",
    "/secondments/batches/",
    "/secondments/cadres/",
    "/secondments/agencies/",
    "/secondments/assignments/",
    "/secondments/work-plans/",
    "/secondments/field-visits/",
    "/secondments/support/",
    "/reports/",
]
# Links to one record in a page, and the resource they name.
LINKS = [
    (re.compile(r'href="/communes/(\d+)/'), "communes"),
    (re.compile(r'href="/assessments/communes/(\d+)/'), "communes"),
    (re.compile(r'href="/assessments/(\d+)/'), "assessment-rounds"),
    (re.compile(r'href="/assessments/evidence/(\d+)/'), "evidence"),
    (re.compile(r'href="/dashboard/(\d+)/'), "administrative-units"),
    (re.compile(r'href="/secondments/(\d+)/'), "secondments"),
    (re.compile(r'href="/secondments/assignments/(\d+)/'), "sponsor-assignments"),
    (re.compile(r'href="/secondments/work-plans/(\d+)/'), "work-plans"),
    (re.compile(r'href="/secondments/work-plan-items/(\d+)/'), "work-plan-items"),
    (re.compile(r'href="/secondments/field-visits/(\d+)/'), "field-visits"),
    (re.compile(r'href="/secondments/support/(\d+)/'), "support-contributions"),
    (re.compile(r'href="/secondments/cadres/(\d+)/'), "cadres"),
    (re.compile(r'href="/secondments/agencies/(\d+)/'), "agencies"),
    (re.compile(r'href="/secondments/batches/(\d+)/'), "secondment-batches"),
    (re.compile(r'href="/reports/(\d+)/'), "reports"),
]
XSS = ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>']
FORMULAS = ['=HYPERLINK("https://evil.example","x")', "+1+1", "-1+1", "@SUM(1,1)"]
SQL = ["' OR 1=1--", '" OR "1"="1', "1; DROP TABLE communes_administrativeunit;--", "') OR ('1'='1", "%' OR '%'='"]
SQL_API_LISTS = ["administrative-units", "communes", "agencies", "cadres", "secondment-batches", "secondments"]
SQL_PAGES = ["/communes/", "/secondments/", "/secondments/agencies/", "/secondments/cadres/", "/secondments/batches/"]
EVIL = ["https://evil.example/", "//evil.example", "/\\evil.example", "https:evil.example", "\\\\evil.example"]


TIMES: list[tuple[float, str, str]] = []  # every request's (seconds, method, path with its numbers as N)

log = logger("probes")


class Client:
    """One caller of the live server: a token, a browser session, or nobody. Cookies are sent by hand: production
    marks them Secure, and this run speaks plain HTTP to 127.0.0.1."""

    def __init__(self, base_url: str, token: str | None = None) -> None:
        self.base_url = base_url
        self.token = token
        self.cookies: dict[str, str] = {}
        self.http = requests.Session()
        self.http.trust_env = False

    def request(self, method: str, path: str, *, csrf: bool = True, **kwargs) -> Answer:
        headers = kwargs.pop("headers", {})
        if self.token:
            headers["Authorization"] = f"Token {self.token}"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
            if csrf and method != "GET" and "csrftoken" in self.cookies:
                headers["X-CSRFToken"] = self.cookies["csrftoken"]
        started = time.monotonic()
        try:
            response = self.http.request(
                method, self.base_url + path, headers=headers, allow_redirects=False, timeout=60, **kwargs
            )
        except requests.RequestException:
            return Answer(0, seconds=time.monotonic() - started)
        for cookie in response.cookies:
            self.cookies[cookie.name] = cookie.value
        answer = Answer(response.status_code, response.content, dict(response.headers), time.monotonic() - started)
        TIMES.append((answer.seconds, method, re.sub(r"\d+", "N", path.split("?")[0])))
        return answer

    def get(self, path: str, **params) -> Answer:
        return self.request("GET", path, params=params or None)

    def post(self, path: str, **kwargs) -> Answer:
        return self.request("POST", path, **kwargs)

    def sign_in(self, username: str, password: str, next_url: str | None = None) -> Answer:
        """The login form as a browser posts it. Django accepts the cookie's secret as the form's token."""
        self.cookies = {"csrftoken": secrets.token_hex(16)}
        data = {"username": username, "password": password, "csrfmiddlewaretoken": self.cookies["csrftoken"]}
        if next_url is not None:
            data["next"] = next_url
        return self.post("/accounts/login/", data=data, csrf=False)

    def twin(self) -> Client:
        """The same caller on connections of its own, for a thread (a requests.Session is not shared safely)."""
        twin = Client(self.base_url, token=self.token)
        twin.cookies = dict(self.cookies)
        return twin

    @property
    def signed_in(self) -> bool:
        return "sessionid" in self.cookies


class Persona:
    def __init__(self, facts: dict, world: dict, base_url: str) -> None:
        self.facts = facts
        self.name = facts["username"]
        self.api = Client(base_url, token=facts["token"])
        self.browser = Client(base_url)
        self.browser.cookies = {"sessionid": facts["session"], "csrftoken": secrets.token_hex(16)}
        self.records = world["records"]
        self.report_units = world.setdefault("report_units", {})

    def foreign(self, resource: str, row: list) -> bool:
        """Whether the record [id, province code, district, commune] lies outside this persona's scope, by the rules of
        ntm_portal/scoping.py read from the foreign keys. Units above one's own are readable (their summaries), so
        only commune-scoped records are tried inside the province."""
        _pk, province, district, commune = row
        if province != self.facts["province_code"]:
            return True
        if resource not in COMMUNE_SCOPED or commune is None:
            return False
        if self.facts["role"] == "agency_liaison":
            return commune not in self.facts["assigned"]
        if self.facts["level"] == "district":
            return district != self.facts["unit_id"]
        if self.facts["level"] == "commune":
            return commune != self.facts["unit_id"]
        return False

    def samples(self, resource: str) -> list[int]:
        """A few records of another province and, where the scope is narrower, of the same province: the same ones
        for the API and the browser, and from one run to the next."""
        rng = random.Random(f"{self.name} {resource}")
        rows = self.records.get(resource, [])
        away = [r[0] for r in rows if r[1] != self.facts["province_code"]]
        near = [r[0] for r in rows if r[1] == self.facts["province_code"] and self.foreign(resource, r)]
        pick = rng.sample(away, min(SAMPLES, len(away))) + rng.sample(near, min(SAMPLES, len(near)))
        return sorted(pick)

    def owns_some(self, resource: str) -> bool:
        return any(not self.foreign(resource, r) for r in self.records.get(resource, []))


@dataclass
class Tally:
    api_probes: int = 0
    browser_probes: int = 0
    leaks: list = field(default_factory=list)
    controls: int = 0
    controls_failed: list = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def probe(self, kind: str, leaked: str | None = None) -> None:
        with self.lock:
            if kind == "api":
                self.api_probes += 1
            else:
                self.browser_probes += 1
            if leaked:
                self.leaks.append(leaked)

    def control(self, ok: bool, what: str) -> None:
        with self.lock:
            self.controls += 1
            if not ok:
                self.controls_failed.append(what)


def index(records: dict) -> dict[str, dict[int, list]]:
    return {resource: {row[0]: row for row in rows} for resource, rows in records.items()}


def api_access(persona: Persona, rows: dict, tally: Tally, resources: list[str] = API_LISTS) -> None:
    client = persona.api
    for resource in resources:
        seen: list[int] = []
        # The first page and the last: the other province's records were made after (or before) the persona's own,
        # so a missing filter shows at one end of a list sorted by anything that follows creation.
        pages, page_number = 1, 1
        while page_number <= pages:
            answer = client.get(f"/api/v1/{resource}/", page_size=PAGE_SIZE, page=page_number)
            page = answer.json() or {}
            listed = [item["id"] for item in page.get("results", []) if isinstance(item, dict) and "id" in item]
            leaked = [pk for pk in listed if pk in rows[resource] and persona.foreign(resource, rows[resource][pk])]
            tally.probe("api", f"{persona.name} API list {resource}: {leaked[:5]}" if leaked else None)
            seen += listed
            pages = -(-page.get("count", 0) // PAGE_SIZE) if answer.status == 200 else 0
            page_number = pages if page_number == 1 and pages > 1 else pages + 1
        # Outside the commune-scoped resources who sees what is subtler (agencies above, cadres at or under one's
        # unit): there the control is only that a listed record opens.
        if resource in COMMUNE_SCOPED and persona.owns_some(resource):
            tally.control(bool(seen), f"{persona.name} API list {resource} empty")
        if seen:
            detail = client.get(f"/api/v1/{resource}/{seen[0]}/")
            tally.control(detail.status == 200, f"{persona.name} API {resource}/{seen[0]}: {detail.status}")
        for pk in persona.samples(resource):
            paths = [f"/api/v1/{resource}/{pk}/"]
            if resource in API_HISTORIES:
                paths.append(f"/api/v1/{resource}/{pk}/history/")
            if resource == "reports":
                paths.append(f"/api/v1/reports/{pk}/download/")
            for probe_path in paths:
                answer = client.get(probe_path)
                tally.probe(
                    "api", f"{persona.name} API {probe_path}: {answer.status}" if answer.status == 200 else None
                )
    if resources is not API_LISTS:
        return
    # A foreign commune, district or province named in a filter: refused or empty, never its rows.
    for resource in ("assessment-rounds", "secondments", "field-visits", "recognitions"):
        for pk in persona.samples("communes")[:2]:
            answer = client.get(f"/api/v1/{resource}/", commune_id=pk)
            listed = [item["id"] for item in (answer.json() or {}).get("results", [])]
            tally.probe("api", f"{persona.name} API {resource}?commune_id={pk}: {listed[:5]}" if listed else None)
    for pk in persona.samples("administrative-units"):
        for part in DASHBOARD_PARTS:
            answer = client.get(f"/api/v1/dashboards/{pk}/{part}")
            tally.probe("api", f"{persona.name} API dashboards/{pk}/{part}: 200" if answer.status == 200 else None)
        answer = client.get("/api/v1/assessment-excel/template/", unit_id=pk, year=2026)
        tally.probe("api", f"{persona.name} API excel template of {pk}: 200" if answer.status == 200 else None)
    own = persona.facts["unit_id"]
    if own:
        answer = client.get(f"/api/v1/dashboards/{own}/")
        tally.control(answer.status == 200, f"{persona.name} API own dashboard: {answer.status}")


def browser_access(persona: Persona, rows: dict, tally: Tally) -> None:
    client = persona.browser
    for path in BROWSER_LISTS:
        answer = client.get(path)
        # /dashboard/ sends each user on to their own unit's.
        on_site = answer.status == 302 and answer.headers.get("Location", "").startswith("/")
        tally.control(answer.status == 200 or on_site, f"{persona.name} page {path}: {answer.status}")
        leaked = []
        for pattern, resource in LINKS:
            for pk in {int(m) for m in pattern.findall(answer.text)}:
                row = rows.get(resource, {}).get(pk)
                if row and persona.foreign(resource, row):
                    leaked.append(f"{resource} {pk}")
        tally.probe("browser", f"{persona.name} page {path} links {leaked[:5]}" if leaked else None)
    for resource, pages in BROWSER_PAGES.items():
        for pk in persona.samples(resource):
            for pattern, _view in pages:
                answer = client.get(pattern.format(pk))
                leaked = f"{persona.name} {pattern.format(pk)}: 200" if answer.status == 200 else None
                tally.probe("browser", leaked)
        own = [pk for pk, row in rows.get(resource, {}).items() if not persona.foreign(resource, row)]
        if resource == "administrative-units":  # dashboards are a province's or a district's
            own = [persona.facts["unit_id"]] if persona.facts["level"] in ("province", "district") else []
        if resource == "reports":  # a report is read by its unit and the units above (reports.models)
            own = [pk for pk, unit in persona.report_units.items() if unit == persona.facts["unit_id"]]
        if own and resource in ("communes", "administrative-units", "assessment-rounds", "reports"):
            for pattern, view in pages:
                if view:
                    answer = client.get(pattern.format(own[0]))
                    tally.control(answer.status == 200, f"{persona.name} {pattern.format(own[0])}: {answer.status}")


def access_probes(personas: list[Persona], world: dict, results: Results) -> None:
    rows = index(world["records"])
    tallies = {p.name: Tally() for p in personas}
    with ThreadPoolExecutor(THREADS) as pool:
        work = [pool.submit(api_access, p, rows, tallies[p.name]) for p in personas]
        work += [pool.submit(browser_access, p, rows, tallies[p.name]) for p in personas]
        for done in work:
            done.result()
    per_role = {
        name: {
            "api_probes": t.api_probes,
            "browser_probes": t.browser_probes,
            "leaks": len(t.leaks),
            "controls": t.controls,
            "controls_failed": len(t.controls_failed),
        }
        for name, t in tallies.items()
    }
    results.figures["access"] = per_role
    api = sum(t.api_probes for t in tallies.values())
    browser = sum(t.browser_probes for t in tallies.values())
    leaks = [leak for t in tallies.values() for leak in t.leaks]
    failed = [f for t in tallies.values() for f in t.controls_failed]
    controls = sum(t.controls for t in tallies.values())
    for name, figures in per_role.items():
        log(f"    {name:14} {figures}")
    for line in leaks[:30] + failed:
        log(f"    {line}")
    results.goal(
        f"no leak across {len(personas)} roles (token and session)",
        f"{len(leaks)} leaks in {api} API and {browser} browser probes",
        not leaks,
    )
    results.goal("the controls (own records) answer", f"{controls - len(failed)}/{controls}", not failed)
    # Were the probes able to see a leak at all? The superuser, probed as if it were A's coordinator, must leak.
    superuser = Tally()
    api_access(Persona(world["superuser"], world, personas[0].api.base_url), rows, superuser, ["assessment-rounds"])
    results.figures["detector_check_leaks"] = len(superuser.leaks)
    results.goal(
        "the detector sees a leak: the superuser probed as A's coordinator",
        f"{len(superuser.leaks)} leaks in {superuser.api_probes} probes",
        bool(superuser.leaks),
    )
    by_path: Counter = Counter()
    for seconds, method, path in TIMES:
        by_path[f"{method} {path}"] += seconds
    log(
        "    the paths that took longest, seconds in all: "
        + ", ".join(f"{p} {s:.1f}" for p, s in by_path.most_common(8))
    )


# --- 2. lost updates, 3. doubled transitions -----------------------------------------------------------------------


def at_once(calls: list) -> list[Answer]:
    """Run the calls in parallel threads released together."""
    barrier = threading.Barrier(len(calls))
    answers: list = [None] * len(calls)

    def run(i: int) -> None:
        barrier.wait()
        answers[i] = calls[i]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return answers


def lost_updates(coordinator: Client, workflow: dict, results: Results) -> None:
    round_id, criterion = workflow["draft_round"], workflow["criterion"]
    version = coordinator.get(f"/api/v1/assessment-rounds/{round_id}/").json()["version"]
    notes = [f"probe save {i} {secrets.token_hex(4)}" for i in range(PARALLEL_SAVES)]

    def save(note: str):
        body = {"version": version, "criteria": [{"criterion_id": criterion, "note": note}]}
        writer = coordinator.twin()
        return lambda: writer.post(f"/api/v1/assessment-rounds/{round_id}/values/", json=body)

    answers = at_once([save(note) for note in notes])
    statuses = Counter(a.status for a in answers)
    winners = [note for note, a in zip(notes, answers, strict=True) if a.status == 200]
    stored = coordinator.get(f"/api/v1/assessment-rounds/{round_id}/").json()
    note = next((r["note"] for r in stored["results"] if r["criterion_id"] == criterion), None)
    kept = len(winners) == 1 and note == winners[0]
    results.figures["lost_updates"] = {"statuses": dict(statuses), "winner_stored": kept}
    results.goal(
        f"{PARALLEL_SAVES} parallel saves, same version: one 200, the rest 409, the winner stored",
        f"{dict(sorted(statuses.items()))}, winner stored: {'yes' if kept else 'no'}",
        statuses == Counter({200: 1, 409: PARALLEL_SAVES - 1}) and kept,
    )


def doubled_transitions(world: dict, b_coordinator: Client, base_url: str, results: Results) -> None:
    workflow = world["workflow"]
    steps = []
    if workflow["returned_round"]:
        submitter = Client(base_url, token=world["submitter_token"])
        steps.append(("submit", submitter, workflow["returned_round"], {}))
    if workflow["verified_round"]:
        steps.append(("approve", b_coordinator, workflow["verified_round"], {}))
        steps.append(("reopen", b_coordinator, workflow["verified_round"], {"comment": "probe: reopened twice"}))
    measured = {}
    for step, client, round_id, body in steps:
        path = f"/api/v1/assessment-rounds/{round_id}/{step}/"
        callers = [client.twin(), client.twin()]
        answers = at_once([lambda c=caller, p=path, b=body: c.post(p, json=b) for caller in callers])
        measured[step] = sorted(a.status for a in answers)
    results.figures["doubled_transitions"] = measured
    ok = bool(measured) and all(sum(200 <= s < 300 for s in st) == 1 and max(st) < 500 for st in measured.values())
    results.goal(
        "a transition sent twice at once succeeds once",
        ", ".join(f"{step} {statuses}" for step, statuses in measured.items()) or "no round to try",
        ok,
    )


# --- 4. injections ------------------------------------------------------------------------------------------------


def formula_cells(body: bytes) -> tuple[int, int]:
    """(cells holding a payload as text, cells that are formulas) in an .xlsx export."""
    workbook = openpyxl.load_workbook(io.BytesIO(body))
    texts = formulas = 0
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    formulas += 1
                elif isinstance(cell.value, str) and "probe-inj" in cell.value:
                    texts += 1
    return texts, formulas


def injections(coordinator: Persona, world: dict, base_url: str, results: Results) -> None:
    api, browser = coordinator.api, coordinator.browser
    unit_id = coordinator.facts["unit_id"]
    created = Counter()
    agency_id = None
    for payload in XSS + FORMULAS:
        name = f"{payload} probe-inj {secrets.token_hex(3)}"
        answer = api.post("/api/v1/agencies/", json={"name": name, "kind": "department", "unit_id": unit_id})
        created[answer.status] += 1
        agency_id = agency_id or (answer.json() or {}).get("id")
        if agency_id:
            api.post("/api/v1/cadres/", json={"full_name": name, "home_agency_id": agency_id})
    pages = [
        "/secondments/agencies/?q=probe-inj",
        "/secondments/cadres/?q=probe-inj",
        f"/secondments/agencies/{agency_id}/edit/",
    ]
    raw = 0
    for path in pages:
        text = browser.get(path).text
        raw += sum(text.count(payload) for payload in ("<script>alert(1)</script>", "<img src=x onerror=alert(1)>"))
    exports = ["/secondments/agencies/?q=probe-inj&format=xlsx", "/secondments/cadres/?q=probe-inj&format=xlsx"]
    texts = formulas = 0
    for path in exports:
        answer = browser.get(path)
        if answer.status == 200:
            found = formula_cells(answer.body)
            texts, formulas = texts + found[0], formulas + found[1]
    results.figures["stored_xss"] = {"created": dict(created), "raw_tags_in_pages": raw}
    results.goal(
        "stored XSS: the tags never appear unescaped",
        f"{sum(created.values())} names saved (HTTP {dict(created)}), {raw} raw tags in {len(pages)} pages",
        raw == 0,
    )
    results.figures["formulas"] = {"payload_cells": texts, "formula_cells": formulas}
    results.goal(
        "spreadsheet exports: =, +, -, @ never a formula cell",
        f"{texts} payload cells as text, {formulas} formula cells in {len(exports)} .xlsx exports",
        formulas == 0 and texts > 0,
    )

    # SQL in searches and filters: no 5xx, no rows (nothing contains these strings).
    server_errors, extra_rows, probes = 0, 0, 0
    for resource in SQL_API_LISTS:
        for text in SQL:
            answer = api.get(f"/api/v1/{resource}/", q=text)
            probes += 1
            server_errors += answer.status >= 500
            extra_rows += len((answer.json() or {}).get("results", []) if answer.status == 200 else [])
    for text in SQL:
        for name in ("commune_id", "province_id", "ordering", "page", "page_size"):
            answer = api.get("/api/v1/assessment-rounds/", **{name: text})
            probes += 1
            server_errors += answer.status >= 500
            extra_rows += answer.status == 200 and name != "page_size"
    for path in SQL_PAGES:
        baseline = len(_record_links(browser.get(path, q="zzqq-no-match").text))
        for text in SQL:
            answer = browser.get(path, q=text)
            probes += 1
            server_errors += answer.status >= 500
            extra_rows += max(0, len(_record_links(answer.text)) - baseline)
    results.figures["sql_injection"] = {"probes": probes, "5xx": server_errors, "extra_rows": extra_rows}
    results.goal(
        "SQL injection in searches and filters",
        f"{probes} probes: {server_errors} × 5xx, {extra_rows} extra rows",
        server_errors == 0 and extra_rows == 0,
    )

    # CSRF: the session's cookie without the token.
    marker = f"csrf-probe-{secrets.token_hex(3)}"
    form = {"name": marker, "kind": "department", "level": "province", "unit": unit_id}
    statuses = [
        browser.post("/secondments/agencies/new/", data=form, csrf=False).status,
        browser.post("/api/v1/agencies/", json={**form, "unit_id": unit_id}, csrf=False).status,
        browser.post(
            f"/api/v1/assessment-rounds/{world['workflow']['draft_round']}/values/", json={"version": 1}, csrf=False
        ).status,
    ]
    written = (api.get("/api/v1/agencies/", q=marker).json() or {}).get("count")
    results.figures["csrf"] = {"statuses": statuses, "written": written}
    results.goal(
        "CSRF: a session POST without the token is refused",
        f"HTTP {statuses}, {written} records written",
        all(s == 403 for s in statuses) and written == 0,
    )

    # Open redirects: after signing in, and after choosing a language.
    host = urlsplit(base_url).netloc
    offsite = []
    for target in EVIL:
        visitor = Client(base_url)
        signed = visitor.sign_in(coordinator.name, PASSWORD, next_url=target)
        language = visitor.post("/i18n/setlang/", data={"language": "en", "next": target}, csrf=True)
        for answer in (signed, language):
            location = answer.headers.get("Location", "")
            if location and urlsplit(urljoin(base_url + "/", location)).netloc != host:
                offsite.append(location)
    results.figures["open_redirect"] = {"tried": len(EVIL) * 2, "offsite": offsite}
    results.goal(
        "open redirect: ?next= to another site stays on the site",
        f"{len(EVIL) * 2} tries, {len(offsite)} left the site",
        not offsite,
    )


def _record_links(text: str) -> set[str]:
    return {f"{resource} {pk}" for pattern, resource in LINKS for pk in pattern.findall(text)}


# --- 5. password guessing -----------------------------------------------------------------------------------------


def password_guessing(base_url: str, results: Results) -> None:
    """The browser's and the token's guessing side by side (users of their own), each as fast as the server answers
    and at most GUESSES_PER_SECOND: the password hash, not this script, sets the pace."""
    token_results = Results(log)  # the table keeps its order whichever side ends first
    token_side = threading.Thread(target=token_guessing, args=(base_url, token_results))
    token_side.start()
    try:
        browser_guessing(base_url, results)
    except Exception as error:  # noqa: BLE001 - in a thread of its own: say so in the table, not only on stderr
        results.goal("browser guessing completes", f"{type(error).__name__}: {error}"[:200], False)
    token_side.join()
    results.goals += token_results.goals
    results.figures.update(token_results.figures)


def wrong_tokens(base_url: str, results: Results) -> None:
    statuses = Counter()
    for _ in range(WRONG_TOKENS):
        statuses[Client(base_url, token=secrets.token_hex(20)).get("/api/v1/me/").status] += 1
    results.figures["wrong_tokens"] = dict(statuses)
    results.goal(
        f"{WRONG_TOKENS} wrong `Authorization: Token` headers: throttled (429)",
        f"HTTP {dict(sorted(statuses.items()))}",
        statuses[429] > 0,
    )


def paced(calls: int):
    """Yield `calls` times, at most GUESSES_PER_SECOND."""
    for _ in range(calls):
        started = time.monotonic()
        yield
        time.sleep(max(0.0, 1 / GUESSES_PER_SECOND - (time.monotonic() - started)))


def signs_in(base_url: str, username: str, password: str) -> tuple[int, bool]:
    """(HTTP status, accepted): accepted is the login view's redirect with a session, whatever a lockout answers."""
    visitor = Client(base_url)
    answer = visitor.sign_in(username, password)
    return answer.status, answer.status == 302 and visitor.signed_in


def browser_guessing(base_url: str, results: Results) -> None:
    statuses = Counter()
    started = time.monotonic()
    for _ in paced(GUESSES):
        statuses[signs_in(base_url, "probe_guess", "wrong-" + secrets.token_hex(4))[0]] += 1
    rate = GUESSES / (time.monotonic() - started)
    right_status, right = signs_in(base_url, "probe_guess", PASSWORD)
    other_status, other = signs_in(base_url, "probe_other", PASSWORD)
    results.figures["browser_guessing"] = {
        "wrong": dict(statuses),
        "per_second": round(rate, 2),
        "right": right_status,
        "right_accepted": right,
        "other_user_accepted": other,
    }
    results.goal(
        f"browser: {GUESSES} wrong passwords, then the right one refused",
        f"wrong at {rate:.1f}/s: HTTP {dict(statuses)}; right one HTTP {right_status}, "
        f"{'ACCEPTED' if right else 'refused'}",
        not right,
    )
    results.goal(
        "browser: another user at the same address still signs in",
        f"HTTP {other_status}, {'yes' if other else 'no'}",
        other,
    )


def token_guessing(base_url: str, results: Results) -> None:
    statuses = Counter()
    anonymous = Client(base_url)
    started = time.monotonic()
    for _ in paced(GUESSES):
        body = {"username": "probe_guess_api", "password": "wrong-" + secrets.token_hex(4)}
        statuses[outcome(anonymous.post("/api/v1/auth/token/", json=body))] += 1
    rate = GUESSES / (time.monotonic() - started)
    right = anonymous.post("/api/v1/auth/token/", json={"username": "probe_guess_api", "password": PASSWORD})
    other = anonymous.post("/api/v1/auth/token/", json={"username": "probe_other_api", "password": PASSWORD})
    results.figures["token_guessing"] = {
        "wrong": dict(statuses),
        "per_second": round(rate, 2),
        "right": outcome(right),
        "other_user": outcome(other),
    }
    results.goal(
        f"token: {GUESSES} wrong passwords, then the right one refused",
        f"wrong at {rate:.1f}/s: HTTP {dict(statuses)}; right one HTTP {outcome(right)}",
        right.status != 200,
    )
    results.goal(
        "token: another user at the same address still gets one", f"HTTP {outcome(other)}", other.status == 200
    )


def outcome(answer: Answer) -> str:
    """The status with the API's error code: a lockout (locked_out) and the rate limit (throttled) both answer 429."""
    code = (answer.json() or {}).get("code") if answer.status >= 400 else None
    return f"{answer.status} {code}" if code else str(answer.status)


# --- set-up and the run --------------------------------------------------------------------------------------------


def setup(env: dict, folder: Path) -> dict:
    local = {**env, "DJANGO_SETTINGS_MODULE": "config.settings.local", "NTM_PROBE_WORLD": str(folder / "w.json")}
    steps = [
        ["manage.py", "migrate", "--noinput", "-v0"],
        ["manage.py", "load_criteria"],
        ["manage.py", "load_demo", "--communes", "20"],
        ["tests/faults/probe_world.py"],
    ]
    with (folder / "setup.log").open("a") as output:
        for step in steps:
            subprocess.run(
                [sys.executable, *step], cwd=BASE_DIR, env=local, check=True, timeout=300, stdout=output, stderr=output
            )
    return json.loads((folder / "w.json").read_text())


def request_reports(personas: list[Persona], world: dict) -> None:
    """Each province's coordinator asks for its report: jobs of both sides for the report probes."""
    world["report_units"] = {}
    for persona in personas:
        if persona.facts["role"] == "province_coordinator":
            answer = persona.api.post("/api/v1/reports/", json={"unit_id": persona.facts["unit_id"]})
            job = (answer.json() or {}).get("id")
            if job:
                world["records"].setdefault("reports", []).append([job, persona.facts["province_code"], None, None])
                world["report_units"][job] = persona.facts["unit_id"]


def main() -> int:
    started = time.monotonic()
    args, folder = begin(__doc__.split("\n\n")[0], "ntm-probes-")
    results = Results(log)
    servers: list = []
    probing_seconds = 0.0
    try:
        redis = RedisServer().start()
        servers.append(redis)
        postgres = Postgres(folder / "pg")
        servers.append(postgres)
        postgres.create()
        env = production_env(folder, redis, postgres)
        log(f"servers of our own: Redis on {redis.port}, PostgreSQL on {postgres.port}; loading the demo")
        world = setup(env, folder)
        log(f"set up in {time.monotonic() - started:.0f} s; starting gunicorn and a worker")
        web = Gunicorn(env, workers=3, timeout=60, log_path=folder / "gunicorn.log").start()
        servers.append(web)
        servers.append(Celery("worker", env, folder).start())
        web.wait_ready()
        probing_started = time.monotonic()
        personas = [Persona(facts, world, web.base_url) for facts in world["personas"]]
        request_reports(personas, world)
        # Guessing passwords takes the password hash's time, not the other probes': it runs beside them, on users of
        # its own. Wrong tokens come last, so that a throttle they trip cannot refuse the access probes' tokens.
        log("5. password guessing, beside 1-4")
        guessing = Results(log)
        guesser = threading.Thread(target=password_guessing, args=(web.base_url, guessing))
        guesser.start()

        log(f"1. access: {len(personas)} personas, token and session")
        access_probes(personas, world, results)
        log("2. lost updates, 3. doubled transitions")
        by_name = {p.name: p for p in personas}
        lost_updates(by_name["vpdp_tinh"].api, world["workflow"], results)
        doubled_transitions(world, by_name["b_tinh"].api, web.base_url, results)
        log("4. injections")
        injections(by_name["vpdp_tinh"], world, web.base_url, results)
        guesser.join()
        results.goals += guessing.goals
        results.figures.update(guessing.figures)
        wrong_tokens(web.base_url, results)
        probing_seconds = time.monotonic() - probing_started
    except Exception as error:  # noqa: BLE001 - a run that cannot measure has failed; say why, then clean up
        log(f"the run failed: {type(error).__name__}: {error}")
        results.goal("the run completes", str(error)[:200], False)
    finally:
        end(servers, folder, keep=args.keep, failed=not results.all_met, logs=("gunicorn.log", "setup.log"), log=log)

    seconds = round(time.monotonic() - started)
    return results.report(
        "probe run", seconds, f" ({probing_seconds:.0f} s of probes)", probing_seconds=round(probing_seconds)
    )


if __name__ == "__main__":
    sys.exit(main())
