"""Real-browser timings of the app: start -> page usable, and pen lifted -> `Prediction` shown.

Replays single-stroke pendigits digits in Debian's Chromium (the same driver as the browser
tests) and prints the median and worst of each. Target: stroke -> prediction median < 500 ms.
Both moments are stamped inside the page (a capturing `mouseup` listener and a
MutationObserver), because Playwright's own waiting polls every 100-500 ms and would measure
its polling, not the app.
Usage: python bench/browser_latency.py [--digits N]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from recognizer.training.shared_data import pendigits
from tests.browser_driver import chromium, draw_strokes, open_canvas, running_app

STAMP_PEN_UP_AND_ANSWER = """selector => {
    window.penUp = null; window.answerShown = null;
    document.addEventListener("mouseup", () => { window.penUp = performance.now(); }, {capture: true, once: true});
    new MutationObserver((changes, observer) => {
        if (window.penUp !== null && document.querySelector(selector)) {
            window.answerShown = performance.now(); observer.disconnect();
        }
    }).observe(document.body, {childList: true, subtree: true, characterData: true});
}"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--digits", type=int, default=20)
    args = parser.parse_args()
    samples = [s for s in pendigits() if len(s.strokes) == 1][: args.digits]

    started = time.perf_counter()
    with running_app() as url, chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 1100})
        open_canvas(page, url)
        start_up = time.perf_counter() - started
        latencies = []
        for sample in samples:
            box = open_canvas(page, url)
            page.evaluate(STAMP_PEN_UP_AND_ANSWER, "[data-testid=stMetricValue]")  # CSS: the first metric
            draw_strokes(page, box, sample.screen_strokes(280))  # one stroke: ends with the pen lifted
            page.wait_for_function("window.answerShown !== null", timeout=20_000)
            latencies.append(page.evaluate("window.answerShown - window.penUp") / 1000)
    print(f"app start -> canvas usable: {start_up:.1f} s (server start, model load, first page)")
    print(f"pen lifted -> Prediction visible over {len(latencies)} drawings: "
          f"median {np.median(latencies) * 1000:.0f} ms, p90 {np.percentile(latencies, 90) * 1000:.0f} ms, "
          f"max {max(latencies) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
