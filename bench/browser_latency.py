"""Real-browser timings of the app: start -> canvas usable, and pen lifted -> answer shown.

Replays single-stroke pendigits digits in Debian's Chromium (the same driver as the browser
tests), each on a freshly loaded page, so every drawing is the first of its page. Targets: app
start -> canvas usable <= 4 s; pen lifted -> answer median <= 300 ms.
Every moment is stamped inside the page (a capturing `pointerup` listener, the page's WebSocket
traffic and a MutationObserver), because Playwright's own waiting polls every 100-500 ms and
would measure its polling, not the app. Where the time goes, per drawing:
  canvas   pen lifted -> the canvas sends the drawing (pen_canvas: at once, as a PNG)
  server   drawing sent -> the server's message holding the answer (the fragment's run: decode,
           recognize, the elements before the answer)
  page     that message -> answer on screen (the browser drawing it)
Usage: PYTHONPATH=. python bench/browser_latency.py [--digits N]
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np

from recognizer.training.shared_data import pendigits
from tests.browser_driver import chromium, draw_strokes, open_canvas, running_app

ANSWER = "[data-testid=stMetricValue]"  # plain CSS for the page's own observer: the first metric, the answer
RECORD_WEBSOCKET = """() => {
    window.socketLog = [];
    const Original = window.WebSocket;
    window.WebSocket = class extends Original {
        constructor(...args) {
            super(...args);
            this.addEventListener("message", () => window.socketLog.push(["reply", performance.now()]));
        }
        send(data) { window.socketLog.push(["sent", performance.now()]); super.send(data); }
    };
}"""
STAMP_PEN_UP_AND_ANSWER = """selector => {
    window.penUp = null; window.answerShown = null;
    document.addEventListener("pointerup", () => { window.penUp = performance.now(); }, {capture: true, once: true});
    new MutationObserver((changes, observer) => {
        if (window.penUp !== null && document.querySelector(selector)) {
            window.answerShown = performance.now(); observer.disconnect();
        }
    }).observe(document.body, {childList: true, subtree: true, characterData: true});
}"""
BREAKDOWN = """() => {
    const sent = window.socketLog.find(([kind, at]) => kind === "sent" && at >= window.penUp);
    const replies = window.socketLog.filter(([kind, at]) => kind === "reply" && at <= window.answerShown);
    const answer = replies.length ? replies[replies.length - 1] : null;
    return [window.penUp, sent ? sent[1] : null, answer ? answer[1] : null, window.answerShown];
}"""


def server_peak_memory_mb(url: str) -> float:
    """Peak resident memory (VmHWM) of the `streamlit run` process serving `url`."""
    port = url.rsplit(":", 1)[1]
    for process in Path("/proc").glob("[0-9]*"):
        try:
            arguments = (process / "cmdline").read_bytes().split(b"\0")
            if b"streamlit" in b" ".join(arguments) and port.encode() in arguments:
                status = (process / "status").read_text()
                return int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM"))) / 1024
        except OSError:
            continue  # a process that ended meanwhile
    return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--digits", type=int, default=20)
    args = parser.parse_args()
    samples = [s for s in pendigits() if len(s.strokes) == 1][: args.digits]

    with chromium() as browser:
        started = time.perf_counter()
        with running_app() as url:
            server_up = time.perf_counter() - started
            page = browser.new_page(viewport={"width": 1280, "height": 1100})
            page.add_init_script(f"({RECORD_WEBSOCKET})()")
            open_canvas(page, url)
            start_up = time.perf_counter() - started
            moments = []
            for sample in samples:
                box = open_canvas(page, url)
                page.evaluate(STAMP_PEN_UP_AND_ANSWER, ANSWER)
                draw_strokes(page, box, sample.screen_strokes(280))  # one stroke: ends with the pen lifted
                page.wait_for_function("window.answerShown !== null", timeout=20_000)
                moments.append(page.evaluate(BREAKDOWN))
            memory = server_peak_memory_mb(url)
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"app start -> canvas usable: {start_up:.1f} s (server answering after {server_up:.1f} s, then the first "
          f"page: imports, model, page) (target <= 4 s)")
    print(f"serving process memory: the app server's peak {memory:.0f} MB (target <= 250 MB)")
    moments = np.array(moments, dtype=float)
    total = moments[:, 3] - moments[:, 0]
    print(f"pen lifted -> answer shown, {len(total)} drawings each on a fresh page: median {np.median(total):.0f} ms, "
          f"p90 {np.percentile(total, 90):.0f} ms, max {total.max():.0f} ms (target median <= 300 ms)")
    for name, (start, end) in {"canvas": (0, 1), "server": (1, 2), "page": (2, 3)}.items():
        part = moments[:, end] - moments[:, start]
        print(f"    {name:6s} median {np.nanmedian(part):4.0f} ms")


if __name__ == "__main__":
    main()
