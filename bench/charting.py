"""Charting effort and save times (a benchmark, not a test): ``python -m bench.charting``.

1. Effort. A nurse's charting of one patient - a full set of vitals, a CIWA-B and two doses
   (one given, one refused with a reason) - is replayed in headless Chromium on the demo ward,
   counting every key pressed and every mouse click with listeners on the page. The scripted
   round is the plan; the counters are what the browser actually received.
2. Server time of each save: the vitals, CIWA-B, Given and Refused callbacks posted to Dash's
   real endpoint (Flask's test client: the browser's request path without the network),
   median and 95th percentile of N saves, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import argparse
import logging
import shutil
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import false, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bench.data import WardShape, bench_database, load_ward, postgres_problem
from bench.page_targets import SignedIn, signed_in_app
from bench.stats import Timing
from dashboard.components.charting_ciwa_scale import ITEM_NUMBERS
from dashboard.components.charting_vitals import FORM_INPUTS
from models.db import make_engine
from models.tables import DoseAdministration, ScheduledDose

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"

# --- 1. effort ---------------------------------------------------------------------------

# One patient's round as a nurse does it: (task, step kind, what). A "keys" step types each
# character (or named key); a "click" step is one mouse click on the element.
TAB, ENTER = "\ue004", "\ue007"
VITALS_KEYS = [TAB, "18", TAB, "97", TAB, TAB, "128", TAB, "82", TAB, "88", TAB, TAB, "37.1",
               ENTER]  # fmt: skip
CIWA_KEYS = [TAB, *"21101200110100000120", ENTER]
ROUND: tuple[tuple[str, str, Any], ...] = (
    ("open patient", "click", "board-row"),
    ("vitals", "click", "tab-vitals"),
    ("vitals", "keys", VITALS_KEYS),
    ("CIWA-B", "click", "tab-ciwa"),
    ("CIWA-B", "keys", CIWA_KEYS),
    ("dose given", "click", "tab-mar"),
    ("dose given", "click", "given"),
    ("dose refused", "click", "refused"),
    ("dose refused", "keys", ["decl", ENTER, ENTER]),
)
COUNTER_JS = """
if (!window.__twCount) {
  window.__twCount = {keys: 0, clicks: 0};
  document.addEventListener('keydown', function (e) {
    if (['Shift', 'Control', 'Alt', 'Meta'].indexOf(e.key) < 0) window.__twCount.keys++;
  }, true);
  document.addEventListener('mousedown', function () { window.__twCount.clicks++; }, true);
}
return window.__twCount;
"""


@dataclass
class Effort:
    task: str
    keys: int = 0
    clicks: int = 0


def planned_effort() -> list[Effort]:
    """Keys and clicks of the scripted round, counted from the script itself."""
    tasks: dict[str, Effort] = {}
    for task, kind, what in ROUND:
        effort = tasks.setdefault(task, Effort(task))
        if kind == "click":
            effort.clicks += 1
        else:
            effort.keys += sum(1 if k in (TAB, ENTER) else len(k) for k in what)
    return list(tasks.values())


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def _demo_server() -> Iterator[tuple[str, Engine]]:
    from werkzeug.serving import make_server

    from dashboard.app import create_app
    from models.migrate import upgrade
    from models.settings import Settings
    from seed_data.demo import seed_demo

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no request log in the report
    with tempfile.TemporaryDirectory(prefix="tw-effort-") as folder:
        url = f"sqlite:///{Path(folder) / 'demo.db'}"
        engine = make_engine(url)
        upgrade(engine)
        seed_demo(engine)
        app = create_app(
            Settings(database_url=url, secret_key="effort-bench-key", demo=True), engine
        )
        port = _free_port()
        server = make_server("127.0.0.1", port, app.server, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{port}", engine
        finally:
            server.shutdown()
            engine.dispose()


def _round_patient(engine: Engine) -> str:
    """A patient admitted 23 h ago (doses of the last day left to chart); returns the name."""
    from models.db import transaction
    from seed_data.factories import admit_on_demo_ward

    admitted_at = datetime.now(UTC) - timedelta(hours=23)
    with transaction(engine) as session:
        admit_on_demo_ward(
            session,
            mrn="TW-EFFORT",
            family_name="Effort",
            given_name="Eve",
            birth_date=date(1980, 1, 1),
            sex="female",
            bed="B40",
            admitted_at=admitted_at,
            now=admitted_at,
            start=admitted_at.date() + timedelta(days=1),
            reason="Bench",
        )
    return "EFFORT"


def measured_effort() -> list[Effort] | str:
    """Replay the round in headless Chromium and count what the page received."""
    if not (shutil.which(CHROMIUM) and shutil.which(CHROMEDRIVER)):
        return "headless Chromium not installed"
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    from tests.factories import chromium_options

    options = chromium_options(CHROMIUM, "--window-size=1440,900")
    with _demo_server() as (base, engine):
        name = _round_patient(engine)
        driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
        wait = WebDriverWait(driver, 20)
        try:
            driver.get(base + "/login")
            driver.find_element(By.ID, "username").send_keys("nurse")
            driver.find_element(By.ID, "password").send_keys("nurse-demo-pass")
            driver.find_element(By.ID, "sign-in").click()
            wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#board-table .tw-board-row"))
            driver.find_element(By.ID, "board-filter").send_keys(name)
            time.sleep(0.5)
            driver.execute_script(COUNTER_JS)

            def counts() -> tuple[int, int]:
                c = driver.execute_script(COUNTER_JS)
                return int(c["keys"]), int(c["clicks"])

            def click(what: str) -> None:
                if what == "board-row":
                    cell = wait.until(
                        lambda d: [
                            c
                            for c in d.find_elements(By.CSS_SELECTOR, ".tw-board-row > *")
                            if name in c.text
                        ]
                    )[0]
                    cell.click()
                    wait.until(lambda d: "/patient/" in d.current_url)
                    wait.until(lambda d: d.find_elements(By.ID, "tab-vitals"))
                elif what in ("given", "refused"):
                    label = "Given" if what == "given" else "Refused…"
                    button = wait.until(
                        lambda d: d.find_elements(
                            By.XPATH, f"//tr[@data-status]//button[normalize-space()='{label}']"
                        )
                    )[0]
                    button.click()
                    if what == "refused":
                        wait.until(lambda d: d.find_element(By.ID, "mar-reason").is_displayed())
                    else:
                        wait.until(lambda d: "Given" in d.find_element(By.ID, "mar-alert").text)
                else:
                    driver.find_element(By.ID, what).click()
                    time.sleep(0.3)

            efforts: dict[str, Effort] = {}
            for task, kind, what in ROUND:
                before = counts()
                if kind == "click":
                    click(what)
                else:
                    for key in what:
                        ActionChains(driver).send_keys(key).perform()
                        time.sleep(0.05)
                    time.sleep(0.8)
                after = counts()
                effort = efforts.setdefault(task, Effort(task))
                effort.keys += after[0] - before[0]
                effort.clicks += after[1] - before[1]
            wait.until(lambda d: "Refused" in d.find_element(By.ID, "mar-alert").text)
            saved = _saved_in(engine)
        finally:
            driver.quit()
    if saved != {"vitals": 1, "ciwa": 1, "given": 1, "refused": 1}:
        return f"the replayed round did not save everything: {saved}"
    return list(efforts.values())


def _saved_in(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:

        def one(sql: str) -> int:
            return int(conn.execute(text(sql)).scalar_one())

        ids = (
            "(SELECT a.id FROM admission a JOIN patient p ON p.id = a.patient_id "
            "WHERE p.mrn = 'TW-EFFORT')"
        )
        return {
            "vitals": one(f"SELECT count(*) FROM vital_signs WHERE admission_id IN {ids}"),
            "ciwa": one(f"SELECT count(*) FROM withdrawal_assessment WHERE admission_id IN {ids}"),
            "given": one(
                "SELECT count(*) FROM dose_administration WHERE status = 'given' "
                f"AND admission_id IN {ids}"
            ),
            "refused": one(
                "SELECT count(*) FROM dose_administration WHERE status = 'refused' "
                f"AND admission_id IN {ids}"
            ),
        }


# --- 2. server time of each save ---------------------------------------------------------


def _vitals_values(admission_id: int) -> dict[str, Any]:
    typed = {
        "resp_rate": 17,
        "spo2": 96,
        "systolic": 126,
        "diastolic": 79,
        "heart_rate": 84,
        "temperature_c": 36.9,
        "supplemental_o2": False,
        "consciousness": "A",
        "taken_at": "",
    }
    values = {f"{fid}.{prop}": typed[fid.removeprefix("vitals-")] for fid, prop in FORM_INPUTS}
    return values | {"vitals-save.n_clicks": 1, "patient-admission.data": admission_id}


def _uncharted_past_slots(engine: Engine, now: datetime) -> list[int]:
    with Session(engine) as session:
        charted = select(DoseAdministration.scheduled_dose_id).where(
            col(DoseAdministration.scheduled_dose_id).is_not(None),
            col(DoseAdministration.entered_in_error) == false(),
        )
        return [
            s.id or 0
            for s in session.exec(
                select(ScheduledDose)
                .where(
                    col(ScheduledDose.cancelled_at).is_(None),
                    col(ScheduledDose.scheduled_at) <= now,
                    col(ScheduledDose.scheduled_at) >= now - timedelta(hours=23, minutes=30),
                    col(ScheduledDose.id).not_in(charted),
                )
                .order_by(col(ScheduledDose.id))
            ).all()
        ]


def _timed(page: SignedIn, body: dict[str, Any], expect: str) -> float:
    """Milliseconds of one callback request; the answer must confirm the save."""
    started = time.perf_counter()
    answer = page.post_callback(body)
    elapsed = (time.perf_counter() - started) * 1000
    if expect.encode() not in answer:
        raise RuntimeError(f"a save did not say {expect!r}: {answer[:300]!r}")
    return elapsed


def save_times(backend: str, runs: int) -> dict[str, Timing]:
    """Median and p95 of ``runs`` saves of each kind through the real callback endpoint."""
    with bench_database(backend) as url:
        # Two doses a day: a bed per run, and a few to spare, leaves 2 x runs to chart.
        shape = WardShape(wards=1, beds=runs + 4, days=2, uncharted_hours=24, staff=1)
        loaded = load_ward(url, shape)
        engine = make_engine(url)
        try:
            slots = _uncharted_past_slots(engine, loaded.now)
            if len(slots) < 2 * runs:
                raise RuntimeError(f"only {len(slots)} uncharted doses for {runs} runs")
            with signed_in_app(url, engine, loaded.staff_usernames[0]) as page:
                page.client.get("/")  # the page sets the CSRF cookie the renderer echoes
                return _measure(page, loaded.admission_ids, slots, runs)
        finally:
            engine.dispose()


EXPECT = {
    "vitals": "Saved: vitals",
    "CIWA-B": "Saved: CIWA-B",
    "dose given": "Given: ",
    "dose refused": "Refused: ",
}


def _measure(
    page: SignedIn, admissions: Sequence[int], slots: Sequence[int], runs: int
) -> dict[str, Timing]:
    cbs = page.callbacks
    vitals = cbs.triggered_by("vitals-save", "n_clicks")
    ciwa = cbs.triggered_by("ciwa-save", "n_clicks")
    action = cbs.triggered_by("mar-act", "n_clicks")
    confirm = cbs.triggered_by("mar-confirm", "n_clicks")
    items = [{"type": "ciwa-item", "item": n} for n in ITEM_NUMBERS]
    samples: dict[str, list[float]] = {
        "vitals": [],
        "CIWA-B": [],
        "dose given": [],
        "dose refused": [],
    }
    for n in range(runs):
        admission = admissions[n % len(admissions)]
        given_slot, refused_slot = slots[2 * n], slots[2 * n + 1]
        act = {"type": "mar-act", "slot": given_slot, "act": "given"}
        bodies = {
            "vitals": cbs.body(
                vitals, trigger=("vitals-save", "n_clicks"), values=_vitals_values(admission)
            ),
            "CIWA-B": cbs.body(
                ciwa,
                trigger=("ciwa-save", "n_clicks"),
                values={
                    "ciwa-save.n_clicks": 1,
                    "ciwa-item.value": ["1"] * len(items),
                    "ciwa-taken_at.value": "",
                    "patient-admission.data": admission,
                },
                expand={"ciwa-item": items},
            ),
            "dose given": cbs.body(
                action,
                trigger=(act, "n_clicks"),
                values={"mar-act.n_clicks": [1], "mar-time.value": ""},
                expand={"mar-act": [act]},
            ),
            "dose refused": cbs.body(
                confirm,
                trigger=("mar-confirm", "n_clicks"),
                values={
                    "mar-confirm.n_clicks": 1,
                    "mar-pending.data": {"slot_id": refused_slot, "status": "refused"},
                    "mar-reason.value": "declined",
                    "mar-reason-text.value": "",
                    "mar-modal-time.value": "",
                },
            ),
        }
        for kind, body in bodies.items():
            samples[kind].append(_timed(page, body, EXPECT[kind]))
    return {kind: Timing(tuple(values)) for kind, values in samples.items()}


# --- report ------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.charting", description=__doc__)
    parser.add_argument("--runs", type=int, default=30, help="saves of each kind (N)")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--no-browser", action="store_true", help="skip the replayed round")
    args = parser.parse_args(argv)

    print("Charting one patient: a full set of vitals, a CIWA-B, one dose given, one refused")
    planned = planned_effort()
    measured = "not run (--no-browser)" if args.no_browser else measured_effort()
    print(f"  {'task':<14}{'keys (plan)':>12}{'clicks (plan)':>15}{'keys':>7}{'clicks':>8}")
    for i, plan in enumerate(planned):
        got = measured[i] if isinstance(measured, list) else None
        print(
            f"  {plan.task:<14}{plan.keys:>12}{plan.clicks:>15}"
            f"{got.keys if got else '-':>7}{got.clicks if got else '-':>8}"
        )
    total_keys = sum(p.keys for p in planned)
    total_clicks = sum(p.clicks for p in planned)
    print(f"  {'total':<14}{total_keys:>12}{total_clicks:>15}", end="")
    if isinstance(measured, list):
        print(f"{sum(m.keys for m in measured):>7}{sum(m.clicks for m in measured):>8}")
    else:
        print(f"   (browser: {measured})")
    print(
        "  Clicks inside the vitals and CIWA-B forms: 0 (only the tab is clicked); the MAR is "
        "one click per dose given, one click and the keyboard for a refusal."
    )

    print(
        f"\nServer time of each save (median / p95 of {args.runs}, ms, through Dash's "
        "callback endpoint)"
    )
    for backend in [b.strip() for b in args.backends.split(",") if b.strip()]:
        if backend == "postgresql" and (problem := postgres_problem()):
            print(f"  {backend}: skipped ({problem})")
            continue
        times = save_times(backend, args.runs)
        cells = "   ".join(f"{kind} {t.median:.1f} / {t.p95:.1f}" for kind, t in times.items())
        print(f"  {backend:<11}{cells}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
