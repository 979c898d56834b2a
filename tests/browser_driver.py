"""Drive the real app in Debian's Chromium: start `streamlit run app.py`, draw pen strokes.

Shared by the browser tests and `bench/browser_latency.py`, so both exercise the same path.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
from playwright.sync_api import Browser, Page, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]
CANVAS = "[data-testid=stBidiComponentIsolated] canvas.upper-canvas"
PREDICTION = "[data-testid=stMetric]:has-text('Prediction') [data-testid=stMetricValue]"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_healthy(url: str, server: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as reply:
                if reply.read() == b"ok":
                    return
        except OSError:
            if server.poll() is not None:
                raise RuntimeError("streamlit exited during start-up") from None
            time.sleep(0.2)
    raise TimeoutError(f"{url} did not become healthy in {timeout} s")


@contextmanager
def running_app(timeout: float = 120, *, port: int | None = None, options: tuple[str, ...] = (),
                environment: dict[str, str] | None = None, host: str = "127.0.0.1") -> Iterator[str]:
    """`streamlit run app.py` on a free port (or `port`), with extra command-line `options` and
    environment variables; yields its URL on `host` and stops it afterwards."""
    port = port or free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
         "--server.headless", "true", "--browser.gatherUsageStats", "false", *options],
        cwd=ROOT, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONPATH": str(ROOT), **(environment or {})},
    )
    try:
        url = f"http://{host}:{port}"
        wait_until_healthy(url, server, timeout)
        yield url
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


@contextmanager
def chromium() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        try:
            yield browser
        finally:
            browser.close()


def open_canvas(page: Page, url: str) -> dict:
    """Load the app and return the drawing canvas's box on screen."""
    page.goto(url)
    canvas = page.locator(CANVAS)
    canvas.wait_for(timeout=90_000)
    canvas.scroll_into_view_if_needed()
    return canvas.bounding_box()


def draw_strokes(page: Page, box: dict, strokes: list[np.ndarray]) -> None:
    """Replay strokes (canvas pixel coordinates) as mouse drags: pen down, every point, pen up."""
    for stroke in strokes:
        points = [(box["x"] + x, box["y"] + y) for x, y in stroke]
        page.mouse.move(*points[0])
        page.mouse.down()
        for point in points[1:]:
            page.mouse.move(*point)
        page.mouse.up()
