"""``taperwatch serve`` (what ``make run`` runs) serves the app with waitress, a threaded
production WSGI server: no development-server banner."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    port = _free_port()
    env = dict(
        os.environ,
        TAPERWATCH_DATABASE_URL=f"sqlite:///{tmp_path / 'serve.db'}",
        TAPERWATCH_DEMO="1",
        TAPERWATCH_SCHEDULER_IN_PROCESS="false",
        TAPERWATCH_COMPRESSED_CACHE=str(tmp_path / "compressed"),
    )
    command = [sys.executable, "-m", "taperwatch", "serve", "--port", str(port)]
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            assert process.poll() is None, process.communicate()[0]
            try:
                if requests.get(f"{base}/healthz", timeout=5).status_code == 200:
                    break
            except requests.ConnectionError:
                time.sleep(0.2)
        else:
            pytest.fail("taperwatch serve did not answer within 90 s")
        yield base, process
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_serve_runs_waitress_without_the_development_banner(
    served: tuple[str, subprocess.Popen[str]],
) -> None:
    base, process = served
    answer = requests.get(f"{base}/login", timeout=10)
    assert answer.status_code == 200
    assert answer.headers["Server"] == "waitress"
    assert answer.headers["Content-Encoding"] in ("br", "gzip")
    # Several requests at once are served side by side.
    with ThreadPoolExecutor(max_workers=6) as pool:
        codes = list(pool.map(lambda _: requests.get(f"{base}/healthz", timeout=10).status_code,
                              range(12)))  # fmt: skip
    assert codes == [200] * 12
    process.terminate()
    output = process.communicate(timeout=30)[0]
    assert "(waitress, 8 threads)" in output
    assert "development server" not in output.lower()
    assert "Debug mode" not in output
