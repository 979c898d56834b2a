"""The real app in a real browser: draw pendigits pen trajectories, upload a real photo."""

from __future__ import annotations

import numpy as np
import pytest

from recognizer.training.shared_data import PenDigit, pendigits, real_digits, render_strokes
from tests.browser_driver import CANVAS, CHROMIUM, PREDICTION, chromium, draw_strokes, open_canvas, running_app
from tests.conftest import ROOT, require, require_shared

pytestmark = [pytest.mark.browser, pytest.mark.slow]
playwright_expect = pytest.importorskip("playwright.sync_api").expect
DIGITS_TO_DRAW = (2, 5, 8)
SCREENSHOT = ROOT / "artifacts" / "app-screenshot.png"


@pytest.fixture(scope="module")
def app_page():
    require(CHROMIUM.exists(), f"Chromium at {CHROMIUM}")
    with running_app() as url, chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 1100})
        yield page, url


def readable_samples(recognizer) -> list[PenDigit]:
    """For each digit to draw, the first writer's sample that the offline pipeline reads
    correctly: this test checks the app's path, not the model's accuracy."""
    require_shared("pendigits")
    samples = pendigits()
    chosen = []
    for label in DIGITS_TO_DRAW:
        for sample in (s for s in samples if s.label == label):
            if recognizer.recognize(render_strokes(sample.screen_strokes(280))).digit == label:
                chosen.append(sample)
                break
    return chosen


def test_drawn_digits_are_recognized(app_page, recognizer):
    page, url = app_page
    for sample in readable_samples(recognizer):
        box = open_canvas(page, url)
        draw_strokes(page, box, sample.screen_strokes(280))
        playwright_expect(page.locator(PREDICTION)).to_have_text(str(sample.label), timeout=20_000)
    page.wait_for_function("[...document.images].every(image => image.complete && image.naturalWidth > 0)")
    page.locator("[data-testid=stVegaLiteChart] canvas, [data-testid=stVegaLiteChart] svg").first.wait_for()
    page.wait_for_timeout(500)  # let the chart finish its entry animation
    SCREENSHOT.parent.mkdir(exist_ok=True)
    page.screenshot(path=SCREENSHOT, full_page=True)
    assert page.locator(CANVAS).is_visible()


def test_empty_canvas_prompts_instead_of_answering(app_page):
    page, url = app_page
    open_canvas(page, url)
    playwright_expect(page.get_by_text("Draw a digit on the canvas")).to_be_visible(timeout=20_000)
    assert page.locator(PREDICTION).count() == 0


def test_page_fits_a_phone_screen(app_page):
    page, url = app_page
    page.set_viewport_size({"width": 390, "height": 844})
    try:
        open_canvas(page, url)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"the page is {overflow} px wider than a phone screen"
    finally:
        page.set_viewport_size({"width": 1280, "height": 1100})


def test_uploaded_photo_is_recognized(app_page):
    page, url = app_page
    photo = next(s for s in real_digits(require_shared("real_digits")) if s.kind == "photo" and s.label == 3)
    open_canvas(page, url)
    page.get_by_role("tab", name="Upload").click()
    page.locator("input[type=file]").first.set_input_files(str(photo.path))
    playwright_expect(page.locator(PREDICTION)).to_have_text("3", timeout=30_000)
    assert np.isfinite(float(page.locator("[data-testid=stMetric]:has-text('Confidence') "
                                          "[data-testid=stMetricValue]").inner_text().rstrip("%")))
