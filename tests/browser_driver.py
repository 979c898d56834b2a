"""Drive the real app in Debian's Chromium: start `streamlit run serve.py`, draw pen strokes.

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
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--use-fake-device-for-media-stream"]  # a test pattern as the camera, for the Camera tab
CANVAS = "[data-testid=stBidiComponentIsolated] canvas.pen"
PREDICTION = "[data-testid=stMetric]:has-text('Prediction') [data-testid=stMetricValue]"
VIEWPORTS = {"phone": (390, 844), "laptop": (1280, 800), "desktop": (1440, 900)}

# Every visible button, scrolled into view: it must lie inside the viewport and inside the block
# that holds it, and be what a click at its centre hits. Returns one line per failing button.
MISPLACED_BUTTONS_JS = """() => {
  const problems = [];
  const shown = (el) => {  // not hidden, not transparent (hover toolbars), not in a closed sidebar
    for (let node = el; node instanceof Element; node = node.parentElement) {
      const style = getComputedStyle(node);
      if (style.opacity === "0" || style.visibility === "hidden") return false;
      if (node.dataset.testid === "stSidebar" && node.dataset.collapsed === "true") return false;
    }
    return true;
  };
  const visible = (el) => el.offsetParent !== null && el.getBoundingClientRect().width > 0 && shown(el);
  for (const button of [...document.querySelectorAll("button")].filter(visible)) {
    button.scrollIntoView({block: "center", inline: "nearest"});
    const box = button.getBoundingClientRect();
    const name = (button.innerText || button.getAttribute("aria-label") || button.dataset.testid || "?").trim();
    if (box.left < -1 || box.right > innerWidth + 1 || box.top < -1 || box.bottom > innerHeight + 1) {
      problems.push(`${name}: outside the viewport (${Math.round(box.left)}..${Math.round(box.right)})`);
      continue;
    }
    const block = button.closest("[data-testid=stElementContainer]")?.parentElement;
    if (block) {
      const outer = block.getBoundingClientRect();
      if (box.left < outer.left - 1 || box.right > outer.right + 1 || box.top < outer.top - 1
          || box.bottom > outer.bottom + 1) problems.push(`${name}: outside its container`);
    }
    const hit = document.elementFromPoint((box.left + box.right) / 2, (box.top + box.bottom) / 2);
    if (!hit || !(button === hit || button.contains(hit)))
      problems.push(`${name}: its centre hits ${hit ? hit.tagName + " " + hit.innerText?.slice(0, 40) : "nothing"}`);
  }
  return problems;
}"""

# Pairs of images (matching a selector) whose boxes overlap, as "caption A / caption B".
OVERLAPPING_IMAGES_JS = """(selector) => {
  const images = [...document.querySelectorAll(selector)].filter((image) => image.offsetParent !== null);
  const boxes = images.map((image) => image.closest("[data-testid=stImageContainer]") || image)
      .map((el) => el.getBoundingClientRect());
  const overlaps = [];
  for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
    const a = boxes[i], b = boxes[j];
    if (a.left < b.right - 1 && b.left < a.right - 1 && a.top < b.bottom - 1 && b.top < a.bottom - 1)
      overlaps.push(`${images[i].alt} / ${images[j].alt}`);
  }
  return overlaps;
}"""

# Pictures wider than the column (or block) that holds them, as their text alternatives.
IMAGES_OUTSIDE_COLUMNS_JS = """() => [...document.querySelectorAll("[data-testid=stMain] img")]
  .filter((image) => image.offsetParent !== null)
  .filter((image) => {
    const box = image.getBoundingClientRect();
    const column = image.closest("[data-testid=stColumn]") || image.closest("[data-testid=stVerticalBlock]");
    const outer = column.getBoundingClientRect();
    return box.left < outer.left - 1 || box.right > outer.right + 1;
  }).map((image) => image.alt)"""

# The probability chart's labels that are visible and inside the chart, each with its bar's width
# as a share of the bar's track (0..1).
CHART_LABELS_JS = """() => {
  const chart = [...document.querySelectorAll(".probabilities")].find((el) => el.offsetParent !== null);
  if (!chart) return [];
  const outer = chart.getBoundingClientRect();
  const bars = [...chart.querySelectorAll(".track")].map((track) =>
      track.firstElementChild.getBoundingClientRect().width / track.getBoundingClientRect().width);
  return [...chart.querySelectorAll(".answer")].map((label, index) => [label, bars[index]]).filter(([label]) => {
    const box = label.getBoundingClientRect();
    return getComputedStyle(label).visibility !== "hidden" && box.width > 0
        && box.left >= outer.left - 1 && box.right <= outer.right + 1;
  }).map(([label, bar]) => [label.textContent, bar]);
}"""




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
    """`streamlit run serve.py` (the app) on a free port (or `port`), with extra command-line `options` and
    environment variables; yields its URL on `host` and stops it afterwards."""
    port = port or free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "serve.py", "--server.port", str(port),
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
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:  # stuck (e.g. mid start-up): killed, so the error that got us here shows
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


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


def full_page_screenshot(page: Page, path: Path) -> None:
    """The whole page in one picture: Streamlit scrolls inside its main block, not the document,
    so the viewport is stretched to the content's height for the shot and then restored."""
    size = page.viewport_size
    main = page.locator("[data-testid=stMain]")
    for share in (0.25, 0.5, 0.75, 1, 0):  # charts and pictures are drawn once scrolled into view
        main.evaluate("(el, share) => el.scrollTo(0, el.scrollHeight * share)", share)
        page.wait_for_timeout(400)
    height = 0
    for _ in range(5):  # charts render once in view, which makes the page taller
        page.set_viewport_size({"width": size["width"], "height": max(height, size["height"])})
        page.wait_for_timeout(1000)
        new_height = page.evaluate("document.querySelector('[data-testid=stMain]').scrollHeight")
        if new_height == height:
            break
        height = new_height
    page.screenshot(path=path)
    page.set_viewport_size(size)
