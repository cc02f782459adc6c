"""Every text response compressed in brotli or gzip, as the browser asks.

Static files (Dash's component bundles, the plotly bundle, our assets) never change while the
process runs, so each is compressed once at the best level (brotli 11, gzip 9) and kept: in
memory, and on disk under the user's cache directory so other workers and the next start find
it. Brotli 11 takes seconds for the largest bundles, so the first request for a file gets a
quick compression (brotli 5, gzip 6: a few per cent larger) while the best one is made in a
background thread at low priority. A file read back from disk is used only if it decompresses
to exactly the bytes being served, so a stale or damaged cache is never sent.

Pages, layouts and callback answers (HTML and JSON, different on every request) go through
flask-compress at a fast level. Browsers send ``br`` only to HTTPS and localhost origins;
over plain HTTP they accept gzip.
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import os
import queue
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import brotli
import flask
from flask_compress import Compress

log = logging.getLogger(__name__)

# What never changes while the process runs (security.STATIC_PREFIXES keeps their caching).
STATIC_PREFIXES = ("/_dash-component-suites/", "/assets/", "/_favicon.ico")
COMPRESSIBLE = frozenset(
    {
        "text/html",
        "text/css",
        "text/plain",
        "text/javascript",  # what Dash sends for its bundles (mimetypes on Python 3.11+)
        "application/javascript",
        "application/json",
        "image/svg+xml",
        "image/x-icon",
        "image/vnd.microsoft.icon",
    }
)
ENCODINGS = ("br", "gzip")  # in our order of preference when the browser takes both
MIN_BYTES = 500  # smaller bodies gain less than the header costs
SYNC_BEST_BYTES = 64_000  # up to this size the best level is quick enough to make at once
ONE_YEAR_S = 31_536_000


def best(data: bytes, encoding: str) -> bytes:
    if encoding == "br":
        return bytes(brotli.compress(data, quality=11, lgwin=24))
    return gzip.compress(data, compresslevel=9, mtime=0)


def quick(data: bytes, encoding: str) -> bytes:
    if encoding == "br":
        return bytes(brotli.compress(data, quality=5, lgwin=22))
    return gzip.compress(data, compresslevel=6, mtime=0)


def decompress(data: bytes, encoding: str) -> bytes:
    return bytes(brotli.decompress(data)) if encoding == "br" else gzip.decompress(data)


def chosen_encoding(accept_encoding: str) -> str | None:
    """The first of ENCODINGS the ``Accept-Encoding`` header allows (q > 0), or None."""
    allowed: dict[str, float] = {}
    for part in accept_encoding.lower().split(","):
        name, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        allowed[name.strip()] = quality
    for encoding in ENCODINGS:
        if allowed.get(encoding, allowed.get("*", 0.0)) > 0:
            return encoding
    return None


def cache_dir(configured: str) -> Path | None:
    """The directory named by ``Settings.compressed_cache`` (see there)."""
    if configured.lower() == "off":
        return None
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "taperwatch" / "compressed"


@dataclass(frozen=True)
class _Job:
    digest: str
    data: bytes
    encoding: str


class StaticCompression:
    """Best-level compressions of static files by content, in memory and on disk."""

    def __init__(self, cache_dir: Path | None) -> None:
        self.cache_dir = cache_dir
        self._memory: dict[tuple[str, str], bytes] = {}
        self._pending: set[tuple[str, str]] = set()
        self._lock = threading.Lock()
        self._jobs: queue.Queue[_Job] = queue.Queue()
        self._worker: threading.Thread | None = None

    def compressed(self, data: bytes, encoding: str) -> bytes:
        """``data`` in ``encoding``: the best compression if made, else a quick one now."""
        digest = hashlib.sha256(data).hexdigest()
        key = (digest, encoding)
        with self._lock:
            found = self._memory.get(key)
        if found is not None:
            return found
        found = self._from_disk(digest, data, encoding)
        if found is None and len(data) <= SYNC_BEST_BYTES:
            found = best(data, encoding)
            self._keep(key, found)
        if found is not None:
            with self._lock:
                self._memory[key] = found
            return found
        self._schedule(_Job(digest, data, encoding))
        return quick(data, encoding)

    def wait_idle(self) -> None:
        """Until every best compression asked for so far is made (for benchmarks and tests)."""
        self._jobs.join()

    def _schedule(self, job: _Job) -> None:
        key = (job.digest, job.encoding)
        with self._lock:
            if key in self._pending:
                return
            self._pending.add(key)
            if self._worker is None:
                self._worker = threading.Thread(
                    target=self._work, name="taperwatch-compression", daemon=True
                )
                self._worker.start()
        self._jobs.put(job)

    def _work(self) -> None:
        try:  # this thread only (Linux): compression must not slow the requests
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)
        except (AttributeError, OSError):
            pass
        while True:
            job = self._jobs.get()
            key = (job.digest, job.encoding)
            try:
                self._keep(key, best(job.data, job.encoding))
            except Exception:  # noqa: BLE001 - a failed compression leaves the quick one
                log.exception("compressing a static file failed")
            finally:
                with self._lock:
                    self._pending.discard(key)
                self._jobs.task_done()

    def _keep(self, key: tuple[str, str], compressed: bytes) -> None:
        with self._lock:
            self._memory[key] = compressed
        self._to_disk(key, compressed)

    def _path(self, digest: str, encoding: str) -> Path | None:
        return None if self.cache_dir is None else self.cache_dir / f"{digest}.{encoding}"

    def _from_disk(self, digest: str, data: bytes, encoding: str) -> bytes | None:
        path = self._path(digest, encoding)
        if path is None or not path.is_file():
            return None
        try:
            stored = path.read_bytes()
            if decompress(stored, encoding) == data:
                return stored
        except (OSError, ValueError, EOFError, brotli.error):
            pass
        log.warning("ignored a damaged compressed copy in %s", path.parent)
        return None

    def _to_disk(self, key: tuple[str, str], compressed: bytes) -> None:
        path = self._path(*key)
        if path is None:
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            with tempfile.NamedTemporaryFile(dir=path.parent, delete=False) as tmp:
                tmp.write(compressed)
            os.replace(tmp.name, path)
        except OSError as exc:  # a read-only home: memory only
            log.warning("cannot keep compressed files in %s: %s", path.parent, exc)
            self.cache_dir = None


def _is_static(path: str) -> bool:
    return path.startswith(STATIC_PREFIXES)


def _compress_static(
    static: StaticCompression,
) -> Callable[[flask.Response], flask.Response]:
    def after_request(response: flask.Response) -> flask.Response:
        request = flask.request
        if request.method not in ("GET", "HEAD") or not _is_static(request.path):
            return response
        _long_cache_for_fingerprinted(response)
        _vary(response)
        encoding = chosen_encoding(request.headers.get("Accept-Encoding", ""))
        if (
            encoding is None
            or response.status_code != 200
            or response.mimetype not in COMPRESSIBLE
            or "Content-Encoding" in response.headers
        ):
            return response
        response.direct_passthrough = False
        data = response.get_data()
        if len(data) < MIN_BYTES:
            return response
        response.set_data(static.compressed(data, encoding))
        response.headers["Content-Encoding"] = encoding
        etag, weak = response.get_etag()
        if etag and not weak:
            response.set_etag(f"{etag}:{encoding}")
            response.make_conditional(request)
        return response

    return after_request


def _vary(response: flask.Response) -> None:
    if "accept-encoding" not in response.headers.get("Vary", "").lower():
        response.vary.add("Accept-Encoding")


def _long_cache_for_fingerprinted(response: flask.Response) -> None:
    """Dash's fingerprinted bundles (a year) are immutable; an asset whose URL carries Dash's
    ``?m=<modified time>`` changes URL whenever it changes, so it is kept as long."""
    if response.status_code != 200:
        return
    fingerprinted = response.cache_control.max_age == ONE_YEAR_S
    if flask.request.path.startswith("/assets/") and "m" in flask.request.args:
        fingerprinted = True
        response.cache_control.no_cache = None
        response.cache_control.max_age = ONE_YEAR_S
    if fingerprinted:
        response.cache_control.public = True
        response.cache_control.immutable = True


def init_compression(server: flask.Flask, kept_in: Path | None) -> StaticCompression:
    """Install compression on ``server``. Call before the hooks that read a page's HTML
    (dashboard.security hashes inline scripts): Flask runs later-installed hooks first."""
    server.config.update(
        COMPRESS_MIMETYPES=sorted(COMPRESSIBLE),
        COMPRESS_ALGORITHM=list(ENCODINGS),
        COMPRESS_BR_LEVEL=4,
        COMPRESS_LEVEL=6,
        COMPRESS_MIN_SIZE=MIN_BYTES,
    )
    Compress(server)  # dynamic answers; it leaves a response that already has an encoding
    static = StaticCompression(kept_in)
    server.after_request(_compress_static(static))
    server.extensions["tw_static_compression"] = static
    return static
