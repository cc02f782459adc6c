"""A bounded load of simulated ward staff against the real app under gunicorn, on loopback.

``run_load()`` starts gunicorn on a prepared database (``bench.data.load_ward`` makes one),
signs each simulated staff member in over HTTP, and has each loop until the time or the
request budget runs out: mostly ward-board refreshes, and vitals, CIWA-B and dose charting,
all through Dash's real callback endpoint (``/_dash-update-component``) with the payloads the
browser sends. It returns every latency, every error and how many writes the app confirmed,
then counts the rows the database holds for those writes: the two must agree.

Used by ``python -m bench`` (T5) and by the soak test; traffic only ever goes to 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import random
import re
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import text

from bench.data import STAFF_PASSWORD, staff_username
from bench.stats import percentile
from models.db import make_engine

HOST = "127.0.0.1"  # loopback only
CALLBACK_PATH = "/_dash-update-component"
# Action mix of one simulated staff member (weights): the board is refreshed far more often
# than anything is charted.
DEFAULT_MIX: Mapping[str, float] = {"board": 0.55, "vitals": 0.17, "ciwa": 0.14, "dose": 0.14}
# Seconds between one staff member's actions (uniform): people read before they click.
DEFAULT_THINK_S = (0.3, 0.9)
SAVED_PREFIXES = ("Saved", "Given")
# Dash's renderer reads this cookie and sends it back in this header on every callback.
CSRF_COOKIE = "_csrf_token"
CSRF_HEADER = "X-CSRFToken"


# --- Dash callbacks over HTTP ------------------------------------------------------------


def _split_output(output: str) -> list[tuple[str, str]]:
    """Dash's output key ("..a.b...c.d.." or "a.b") as (id, property) pairs."""
    parts = output[2:-2].split("...") if output.startswith("..") else [output]
    out = []
    for part in parts:
        ident, prop = part.rsplit(".", 1)
        out.append((ident, prop))
    return out


def _plain_id(ident: str) -> Any:
    return json.loads(ident) if ident.startswith("{") else ident


def stringify_id(ident: Any) -> str:
    """The id as Dash's renderer writes it in ``changedPropIds`` (sorted keys, no spaces)."""
    if isinstance(ident, dict):
        return (
            "{" + ",".join(f"{json.dumps(k)}:{json.dumps(ident[k])}" for k in sorted(ident)) + "}"
        )
    return str(ident)


@dataclass(frozen=True)
class Callback:
    output: str
    outputs: list[tuple[str, str]]
    inputs: list[tuple[str, str]]
    state: list[tuple[str, str]]


class DashCallbacks:
    """The app's callback table (from ``/_dash-dependencies``) and request bodies for it."""

    def __init__(self, dependencies: Sequence[Mapping[str, Any]]) -> None:
        self.callbacks = [
            Callback(
                output=dep["output"],
                outputs=_split_output(dep["output"]),
                inputs=[(i["id"], i["property"]) for i in dep["inputs"]],
                state=[(s["id"], s["property"]) for s in dep["state"]],
            )
            for dep in dependencies
            if not dep.get("clientside_function")
        ]

    def triggered_by(self, component: str, prop: str) -> Callback:
        """The server callback with input ``component.prop``; ``component`` is an id, or the
        ``type`` of a pattern-matching id."""
        for cb in self.callbacks:
            for ident, p in cb.inputs:
                plain = _plain_id(ident)
                name = plain.get("type") if isinstance(plain, dict) else plain
                if name == component and p == prop:
                    return cb
        raise LookupError(f"no callback is triggered by {component}.{prop}")

    def body(
        self,
        cb: Callback,
        *,
        trigger: tuple[Any, str],
        values: Mapping[str, Any],
        expand: Mapping[str, Sequence[Any]] | None = None,
    ) -> dict[str, Any]:
        """The JSON a browser posts: ``values`` by "id.prop" (a pattern id by its ``type``);
        ``expand`` maps a pattern id's ``type`` to the concrete ids it matches on the page."""
        expand = expand or {}

        def entries(pairs: list[tuple[str, str]], with_values: bool) -> list[Any]:
            out: list[Any] = []
            for ident, prop in pairs:
                plain = _plain_id(ident)
                if isinstance(plain, dict):
                    concrete = expand.get(str(plain.get("type")), [])
                    key = f"{plain.get('type')}.{prop}"
                    given = values.get(key)
                    items = []
                    for n, cid in enumerate(concrete):
                        item: dict[str, Any] = {"id": cid, "property": prop}
                        if with_values:
                            item["value"] = given[n] if isinstance(given, list) else given
                        items.append(item)
                    out.append(items)
                    continue
                item = {"id": plain, "property": prop}
                if with_values:
                    item["value"] = values.get(f"{plain}.{prop}")
                out.append(item)
            return out

        outputs = entries(cb.outputs, with_values=False)
        return {
            "output": cb.output,
            "outputs": outputs if len(outputs) > 1 else outputs[0],
            "inputs": entries(cb.inputs, with_values=True),
            "state": entries(cb.state, with_values=True),
            "changedPropIds": [f"{stringify_id(trigger[0])}.{trigger[1]}"],
        }


# --- one simulated staff member --------------------------------------------------------------


@dataclass
class Sample:
    action: str
    ms: float
    ok: bool
    wrote: bool = False
    error: str = ""


@dataclass
class LoadResult:
    users: int
    seconds: float  # how long the load ran
    samples: list[Sample] = field(default_factory=list)
    rows_stored: int = 0  # rows written by the staff, counted in the database afterwards
    server_errors: list[str] = field(default_factory=list)  # from gunicorn's error log

    @property
    def latencies_ms(self) -> list[float]:
        return [s.ms for s in self.samples]

    @property
    def errors(self) -> list[str]:
        return [f"{s.action}: {s.error}" for s in self.samples if not s.ok]

    @property
    def writes_ok(self) -> int:
        return sum(1 for s in self.samples if s.wrote)

    @property
    def requests(self) -> int:
        return len(self.samples)

    def p95(self, action: str | None = None) -> float:
        return percentile([s.ms for s in self.samples if action in (None, s.action)], 95)

    def median(self, action: str | None = None) -> float:
        values = sorted(s.ms for s in self.samples if action in (None, s.action))
        return values[len(values) // 2] if values else float("nan")

    def by_action(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for s in self.samples:
            out[s.action] = out.get(s.action, 0) + 1
        return out


@dataclass
class _Shared:
    """What the simulated staff share: the dose slots still to chart (each charted once)."""

    slots: list[tuple[int, int]]  # (scheduled dose id, admission id)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def take_slot(self) -> tuple[int, int] | None:
        with self.lock:
            return self.slots.pop() if self.slots else None


class StaffMember:
    def __init__(
        self,
        base_url: str,
        username: str,
        password: str,
        admissions: Sequence[int],
        shared: _Shared,
        seed: int,
    ) -> None:
        self.base = base_url
        self.http = requests.Session()
        self.username, self.password = username, password
        self.admissions = list(admissions)
        self.shared = shared
        self.rng = random.Random(seed)
        self.shown: str | None = None  # the digest of what the board shows in this browser
        self.ticks = 0
        self.callbacks: DashCallbacks | None = None

    def sign_in(self) -> None:
        page = self.http.get(f"{self.base}/login", timeout=30)
        token = re.search(r'name="csrf" value="([^"]+)"', page.text)
        if token is None:
            raise RuntimeError("sign-in page has no CSRF token")
        answer = self.http.post(
            f"{self.base}/login",
            data={
                "csrf": token.group(1),
                "username": self.username,
                "password": self.password,
                "next": "/",
            },
            allow_redirects=False,
            timeout=30,
        )
        if answer.status_code != 302:
            raise RuntimeError(f"{self.username} could not sign in: HTTP {answer.status_code}")
        deps = self.http.get(f"{self.base}/_dash-dependencies", timeout=30)
        deps.raise_for_status()
        self.callbacks = DashCallbacks(deps.json())

    def act(self, action: str) -> Sample:
        start = time.perf_counter()
        try:
            wrote = getattr(self, f"_{action}")()
            ok, error = True, ""
        except Exception as exc:  # noqa: BLE001 - every failure is an error sample
            wrote, ok, error = False, False, f"{type(exc).__name__}: {exc}"[:300]
        return Sample(action, (time.perf_counter() - start) * 1000, ok, wrote, error)

    def _post(self, body: Mapping[str, Any]) -> dict[str, Any]:
        # Dash's renderer echoes the CSRF cookie in a header (dashboard.security), as here.
        token = self.http.cookies.get(CSRF_COOKIE)
        headers = {CSRF_HEADER: token} if token else {}
        answer = self.http.post(
            f"{self.base}{CALLBACK_PATH}", json=body, headers=headers, timeout=60
        )
        if answer.status_code == 204:
            return {}
        if answer.status_code != 200:
            raise RuntimeError(f"HTTP {answer.status_code}: {answer.text[:200]}")
        result: dict[str, Any] = answer.json().get("response", {})
        return result

    def _board(self) -> bool:
        assert self.callbacks is not None
        self.ticks += 1
        cb = self.callbacks.triggered_by("board-refresh", "n_intervals")
        body = self.callbacks.body(
            cb,
            trigger=("board-refresh", "n_intervals"),
            values={"board-refresh.n_intervals": self.ticks, "board-shown.data": self.shown},
        )
        response = self._post(body)
        # The rows come only when what the board shows changed, with their digest.
        shown = response.get("board-shown", {}).get("data")
        if shown is not None:
            self.shown = shown
        if "board-summary" not in response:
            raise RuntimeError("board refresh answered without the summary")
        return False

    def _saved(self, response: Mapping[str, Any], component: str) -> bool:
        message = response.get(component, {}).get("children")
        if not isinstance(message, str) or not message.startswith(SAVED_PREFIXES):
            raise RuntimeError(f"not saved: {message!r}")
        return True

    def _vitals(self) -> bool:
        assert self.callbacks is not None
        cb = self.callbacks.triggered_by("vitals-save", "n_clicks")
        r = self.rng
        values = {
            "vitals-resp_rate.value": r.randint(12, 20),
            "vitals-spo2.value": r.randint(95, 100),
            "vitals-systolic.value": r.randint(110, 140),
            "vitals-diastolic.value": r.randint(65, 85),
            "vitals-heart_rate.value": r.randint(60, 95),
            "vitals-temperature_c.value": round(r.uniform(36.2, 37.4), 1),
            "vitals-supplemental_o2.checked": False,
            "vitals-consciousness.value": "A",
            "vitals-taken_at.value": "",
            "vitals-save.n_clicks": 1,
            "patient-admission.data": r.choice(self.admissions),
        }
        response = self._post(
            self.callbacks.body(cb, trigger=("vitals-save", "n_clicks"), values=values)
        )
        return self._saved(response, "vitals-message")

    def _ciwa(self) -> bool:
        assert self.callbacks is not None
        cb = self.callbacks.triggered_by("ciwa-save", "n_clicks")
        items = [{"type": "ciwa-item", "item": n} for n in range(1, 21)]
        rows = [{"type": "ciwa-row", "item": n} for n in range(1, 21)]
        scores = [str(self.rng.choice((0, 0, 1, 1, 2))) for _ in items]
        values = {
            "ciwa-save.n_clicks": 1,
            "ciwa-item.value": scores,
            "ciwa-taken_at.value": "",
            "patient-admission.data": self.rng.choice(self.admissions),
        }
        body = self.callbacks.body(
            cb,
            trigger=("ciwa-save", "n_clicks"),
            values=values,
            expand={"ciwa-item": items, "ciwa-row": rows},
        )
        return self._saved(self._post(body), "ciwa-message")

    def _dose(self) -> bool:
        """Chart a due scheduled dose as given (the MAR's one-click path); once none is left, a
        set of vitals instead (a PRN dose needs an order and keeps its interval, so it cannot
        stand in for a scheduled dose any more)."""
        assert self.callbacks is not None
        slot = self.shared.take_slot()
        if slot is None:
            return self._vitals()
        slot_id, _admission = slot
        button = {"type": "mar-act", "slot": slot_id, "act": "given"}
        cb = self.callbacks.triggered_by("mar-act", "n_clicks")
        body = self.callbacks.body(
            cb,
            trigger=(button, "n_clicks"),
            values={"mar-act.n_clicks": [1], "mar-time.value": ""},
            expand={"mar-act": [button]},
        )
        response = self._post(body)
        if response.get("mar-modal", {}).get("opened") is True:
            # The patient's latest vitals show sedation beyond the ward's thresholds: the MAR
            # asks for a fresh check before Given (as it should); nothing is charted.
            return False
        return self._saved(response, "mar-alert")


def _run_member(
    member: StaffMember,
    deadline: float,
    max_requests: int,
    mix: Mapping[str, float],
    think_s: tuple[float, float],
    out: list[Sample],
    lock: threading.Lock,
) -> None:
    actions, weights = list(mix), list(mix.values())
    done = 0
    while time.monotonic() < deadline and done < max_requests:
        sample = member.act(member.rng.choices(actions, weights)[0])
        done += 1
        with lock:
            out.append(sample)
        pause = member.rng.uniform(*think_s)
        if time.monotonic() + pause >= deadline:
            break
        time.sleep(pause)


# --- gunicorn -----------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    base_url: str
    log_path: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)

    def error_lines(self) -> list[str]:
        text_ = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return [
            line
            for line in text_.splitlines()
            if "Traceback" in line or "Error" in line or "[ERROR]" in line
        ]


def _warm(base_url: str, count: int) -> None:
    """Concurrent requests, so every worker has served (and set itself up) before anything is
    timed. Dash sets a worker up on its first request, and a request served by another thread
    meanwhile finds no script registered (HTTP 500): a cold worker must not meet a browser."""

    def get() -> None:
        requests.get(f"{base_url}/login", timeout=60)

    pool = [threading.Thread(target=get) for _ in range(count)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()


def start_gunicorn(
    *, database_url: str, workers: int = 2, threads: int = 4, log_dir: Path
) -> Server:
    """gunicorn serving the app on a free loopback port; waits until it answers."""
    port = _free_port()
    env = dict(os.environ)
    env.update(
        TAPERWATCH_DATABASE_URL=database_url,
        TAPERWATCH_SECRET_KEY=secrets.token_hex(32),
        TAPERWATCH_DEMO="0",
        TAPERWATCH_SCHEDULER_IN_PROCESS="false",
    )
    log_path = log_dir / f"gunicorn-{port}.log"
    gunicorn = Path(sys.executable).with_name("gunicorn")
    command = [
        str(gunicorn) if gunicorn.exists() else "gunicorn",
        "-w",
        str(workers),
        "--threads",
        str(threads),
        "-b",
        f"{HOST}:{port}",
        "--timeout",
        "60",
        # Longer than a staff member's pause: gunicorn's 2 s default closes idle keep-alive
        # connections just as the next request is sent on them (a reset no server saw).
        "--keep-alive",
        "30",
        "--error-logfile",
        str(log_path),
        "taperwatch.wsgi:server",
    ]
    root = Path(__file__).resolve().parent.parent
    process = subprocess.Popen(command, env=env, cwd=root, stdout=subprocess.DEVNULL)
    server = Server(process, f"http://{HOST}:{port}", log_path)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited ({process.returncode}); see {log_path}")
        try:
            if requests.get(f"{server.base_url}/healthz", timeout=10).status_code == 200:
                _warm(server.base_url, workers * threads * 2)
                return server
        except requests.RequestException:
            pass
        time.sleep(0.2)
    server.stop()
    raise RuntimeError("gunicorn did not answer within 60 s")


# --- the load -----------------------------------------------------------------------------


def _due_slots(database_url: str, now: datetime) -> tuple[list[int], list[tuple[int, int]]]:
    """Admitted patients and their uncharted scheduled doses already due (charted in turn)."""
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            admissions = [
                int(r[0])
                for r in conn.execute(
                    text("SELECT id FROM admission WHERE discharged_at IS NULL ORDER BY id")
                )
            ]
            slots = [
                (int(r[0]), int(r[1]))
                for r in conn.execute(
                    text(
                        "SELECT s.id, s.admission_id FROM scheduled_dose s "
                        "JOIN admission a ON a.id = s.admission_id "
                        "WHERE a.discharged_at IS NULL AND s.cancelled_at IS NULL "
                        "AND s.scheduled_at <= :now AND NOT EXISTS (SELECT 1 FROM "
                        "dose_administration d WHERE d.scheduled_dose_id = s.id) "
                        "ORDER BY s.scheduled_at"
                    ),
                    {"now": now if engine.dialect.name != "sqlite" else now.replace(tzinfo=None)},
                )
            ]
    finally:
        engine.dispose()
    return admissions, slots


def count_rows_since(database_url: str, usernames: Sequence[str], since: datetime) -> int:
    """Vitals, withdrawal scores and dose entries charted by ``usernames`` since ``since``."""
    engine = make_engine(database_url)
    marker = since if engine.dialect.name != "sqlite" else since.replace(tzinfo=None)
    names = ", ".join(f"'{u}'" for u in usernames if re.fullmatch(r"[\w-]+", u))
    try:
        with engine.connect() as conn:
            total = 0
            for table in ("vital_signs", "withdrawal_assessment", "dose_administration"):
                total += int(
                    conn.execute(
                        text(
                            f"SELECT count(*) FROM {table} t JOIN app_user u "
                            f"ON u.id = t.charted_by WHERE u.username IN ({names}) "
                            "AND t.charted_at >= :since"
                        ),
                        {"since": marker},
                    ).scalar_one()
                )
            return total
    finally:
        engine.dispose()


def run_load(
    *,
    database_url: str,
    users: int,
    seconds: float,
    usernames: Sequence[str] | None = None,
    password: str = STAFF_PASSWORD,
    workers: int = 2,
    threads: int = 4,
    max_requests_per_user: int = 10_000,
    mix: Mapping[str, float] = DEFAULT_MIX,
    think_s: tuple[float, float] = DEFAULT_THINK_S,
    seed: int = 1,
    log_dir: Path | None = None,
    server: Server | None = None,
) -> LoadResult:
    """``users`` staff (signed in as ``usernames[i]``) for ``seconds`` against gunicorn with
    ``workers`` x ``threads`` on ``database_url`` (started here unless ``server`` is given).
    Bounded: stops at the deadline or after ``max_requests_per_user`` each. The staff default
    to the nurses ``bench.data.load_ward`` makes (bench01, bench02...)."""
    if usernames is None:
        usernames = [staff_username(i) for i in range(users)]
    if len(usernames) < users:
        raise ValueError(f"{users} users need {users} usernames, got {len(usernames)}")
    own = server is None
    log_dir = log_dir or Path(os.environ.get("TMPDIR", "/tmp"))
    if server is None:
        server = start_gunicorn(
            database_url=database_url, workers=workers, threads=threads, log_dir=log_dir
        )
    started = datetime.now(UTC)
    try:
        admissions, slots = _due_slots(database_url, started)
        shared = _Shared(slots=list(reversed(slots)))
        staff = [
            StaffMember(server.base_url, usernames[i], password, admissions, shared, seed + i)
            for i in range(users)
        ]
        for member in staff:
            member.sign_in()
        samples: list[Sample] = []
        lock = threading.Lock()
        begin = time.monotonic()
        deadline = begin + seconds
        threads_ = [
            threading.Thread(
                target=_run_member,
                args=(member, deadline, max_requests_per_user, mix, think_s, samples, lock),
                daemon=True,
            )
            for member in staff
        ]
        for t in threads_:
            t.start()
        for t in threads_:
            t.join(timeout=seconds + 120)
        elapsed = time.monotonic() - begin
        result = LoadResult(users=users, seconds=elapsed, samples=samples)
        result.rows_stored = count_rows_since(database_url, usernames[:users], started)
        result.server_errors = server.error_lines()
        return result
    finally:
        if own:
            server.stop()
