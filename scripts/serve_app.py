"""Run the real app (`streamlit run app.py`) on a free port of 127.0.0.1, for browser tests and benches.

One way to start it, shared by ``tests/browser/conftest.py`` and ``bench/bench_app.py``
(benches do not import tests, so it lives here).
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: The server's environment as ``make run`` sets it (keep the two in step): at most two glibc malloc
#: arenas, so memory freed after a burst of sessions goes back to the system (docs/PERFORMANCE.md "Load").
SERVER_ENV = {"MALLOC_ARENA_MAX": "2"}


class AppDidNotStart(RuntimeError):
    """Streamlit's health endpoint never answered."""


@contextlib.contextmanager
def running_app(*, timeout_s: float = 60, script: str = "app.py", env: dict[str, str] | None = None, port: int | None = None) -> Iterator[str]:
    """Start the app with local front-end assets; yield its URL (no trailing slash); stop it on exit.

    ``script`` is the entry script, relative to the repository root (a bench may run another one).
    ``port`` is a fixed port (a bench given its own ports); by default a free one is picked.
    ``env`` adds to (or overrides) the app's environment, e.g. ``{"ATLAS_DB": "sqlite:///…"}`` so a
    browser test writes to a temporary store, never to ``data/atlas.db``. The server runs with
    :data:`SERVER_ENV`, as under ``make run``; ``env`` may override it.

    Raises
    ------
    AppDidNotStart
        The health endpoint did not answer within ``timeout_s``.
    """
    if port is None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", script, "--server.address", "127.0.0.1", "--server.port", str(port), "--server.headless", "true"],
        cwd=ROOT, env={**os.environ, **SERVER_ENV, "ATLAS_ASSETS": "local", **(env or {})}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                urllib.request.urlopen(url + "/_stcore/health", timeout=1)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise AppDidNotStart(f"streamlit did not answer on {url} within {timeout_s:.0f} s") from None
                time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)
