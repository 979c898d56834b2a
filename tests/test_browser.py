"""The real app in a real browser, at a phone's, a laptop's and a desktop's width: every flow a
person goes through, with no Python exception on the page, every button reachable and clickable,
the steps side by side without overlap and every class labelled on the chart."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

from recognizer.model import CLASS_NAMES
from recognizer.store.owners import LOCAL
from recognizer.store.sqlite_store import SQLiteStore
from recognizer.training.shared_data import PenDigit, pendigits, real_digits, render_strokes
from tests.browser_driver import (
    CANVAS,
    CHART_LABELS_JS,
    CHROMIUM,
    IMAGES_OUTSIDE_COLUMNS_JS,
    MISPLACED_BUTTONS_JS,
    OVERLAPPING_IMAGES_JS,
    PREDICTION,
    VIEWPORTS,
    chromium,
    draw_strokes,
    full_page_screenshot,
    open_canvas,
    running_app,
)
from tests.conftest import ROOT, require, require_shared

pytestmark = [pytest.mark.browser, pytest.mark.slow]
playwright_expect = pytest.importorskip("playwright.sync_api").expect
PlaywrightTimeoutError = pytest.importorskip("playwright.sync_api").TimeoutError
SCREENSHOTS = ROOT / "artifacts"
TRAINING_SAMPLES = 12  # enough to train a personal model (the app asks for 10)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory, mnist):
    """The server's own samples folder, holding a dozen MNIST digits so fine-tuning can start."""
    folder = tmp_path_factory.mktemp("digit-lens-data")
    store = local_samples(folder)
    for index in range(TRAINING_SAMPLES):  # captions of different lengths: "7", "7 (model: —)"
        label = int(mnist.y_test[index])
        store.add(LOCAL, 255 - mnist.x_test[index], label, predicted=label if index % 2 else None, origin="test")
    return folder


@pytest.fixture(scope="module")
def app_url(data_dir):
    """One server for every width and flow (starting one costs more than all the checks); bound
    to this machine (the project's config), so its one local user's samples are kept."""
    require(CHROMIUM.exists(), f"Chromium at {CHROMIUM}")
    with running_app(environment={"DIGIT_LENS_DATA_DIR": str(data_dir),
                                  "DIGIT_LENS_MNIST_DIR": str(require_shared("mnist")),
                                  "STREAMLIT_CLIENT_SHOW_ERROR_DETAILS": "full"}) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    with chromium() as chromium_browser:
        yield chromium_browser


@pytest.fixture(params=list(VIEWPORTS))
def page(request, browser, app_url):
    width, height = VIEWPORTS[request.param]
    context = browser.new_context(viewport={"width": width, "height": height}, accept_downloads=True,
                                  permissions=["camera"])
    page = context.new_page()
    page.screen_name = request.param
    open_canvas(page, app_url)
    yield page
    context.close()


def local_samples(data_dir) -> SQLiteStore:
    return SQLiteStore(data_dir / "samples.sqlite3")


def samples_kept(data_dir) -> int:
    return local_samples(data_dir).count(LOCAL)


def assert_page_sound(page) -> None:
    """No Python exception shown, no page wider than the screen, every button usable, no
    overlapping step images."""
    page.mouse.move(1, page.viewport_size["height"] - 1)  # no tooltip of a hovered button in the way
    page.wait_for_timeout(300)  # let the last rerun's elements settle
    exceptions = page.locator("[data-testid=stException]")
    assert exceptions.count() == 0, exceptions.first.inner_text()
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page is {overflow} px wider than the screen"
    assert page.evaluate(MISPLACED_BUTTONS_JS) == []
    assert page.evaluate(OVERLAPPING_IMAGES_JS, ".st-key-stages img") == []
    assert page.evaluate(IMAGES_OUTSIDE_COLUMNS_JS) == []
    assert page.locator("img[alt='']").count() == 0, "every picture has a text alternative"


def assert_chart_labels_every_class(page, answer: str) -> None:
    """Every class the model can answer is labelled on the chart, inside it, and `answer`'s bar
    is the longest."""
    # the chart of the answer shown may still be replacing the previous one: read it once it is there
    page.wait_for_function(f"answer => ({CHART_LABELS_JS})().some(([label, bar]) => label === answer && bar > 0.5)",
                           arg=answer, timeout=30_000)
    bars = dict(page.evaluate(CHART_LABELS_JS))
    assert set(CLASS_NAMES) <= set(bars), f"unlabelled: {set(CLASS_NAMES) - set(bars)}"
    assert max(bars, key=bars.get) == answer and bars[answer] > 0.5


def readable_sample(recognizer, label: int) -> PenDigit:
    """The first pendigits writer's `label` that the offline pipeline reads correctly: these
    tests check the app's path, not the model's accuracy."""
    for sample in (s for s in pendigits_cached() if s.label == label):
        if recognizer.recognize(render_strokes(sample.screen_strokes(280))).digit == label:
            return sample
    pytest.fail(f"no readable pendigits {label}")


_PENDIGITS: list[PenDigit] = []


def pendigits_cached() -> list[PenDigit]:
    if not _PENDIGITS:
        require_shared("pendigits")
        _PENDIGITS.extend(pendigits())
    return _PENDIGITS


def draw(page, sample: PenDigit) -> None:
    box = page.locator(CANVAS).bounding_box()
    draw_strokes(page, box, sample.screen_strokes(280))
    playwright_expect(page.locator(PREDICTION)).to_have_text(str(sample.label), timeout=30_000)


def test_draw_correct_undo_and_clear(page, recognizer, data_dir):
    sample = readable_sample(recognizer, 8)
    draw(page, sample)
    assert_chart_labels_every_class(page, "8")
    page.wait_for_function("[...document.images].every(image => image.complete && image.naturalWidth > 0)")
    SCREENSHOTS.mkdir(exist_ok=True)
    full_page_screenshot(page, SCREENSHOTS / f"screenshot-{page.screen_name}.png")
    assert_page_sound(page)
    preselected = page.locator(".st-key-digits-draw button[kind=primary]").all_inner_texts()
    assert {text.strip() for text in preselected} == {"8"}, "the answer is preselected"

    before = samples_kept(data_dir)
    for _ in range(2):  # 9 is the button furthest right: it must be on screen and clickable
        page.locator(".st-key-label-draw-9").get_by_role("button").click()
        playwright_expect(page.get_by_text("Kept as a 9")).to_be_visible(timeout=20_000)
    assert samples_kept(data_dir) == before + 1, "a correction clicked twice keeps one sample"
    assert_page_sound(page)

    strokes = len(sample.screen_strokes(280))
    page.get_by_role("button", name="Undo stroke").click()
    if strokes == 1:  # nothing left: the page asks for a digit again
        playwright_expect(page.get_by_text("Draw a digit on the canvas")).to_be_visible(timeout=20_000)
        draw(page, sample)
    else:
        page.wait_for_timeout(1500)
    assert page.locator("[data-testid=stException]").count() == 0
    page.get_by_role("button", name="Clear").click()
    playwright_expect(page.get_by_text("Draw a digit on the canvas")).to_be_visible(timeout=20_000)
    assert page.locator(PREDICTION).count() == 0
    assert_page_sound(page)


def test_number_mode_canvas_fits_the_screen_and_reads_what_is_written(page, recognizer):
    """The wide number canvas is scaled to the screen (a phone's too), the strokes land where the
    pen goes, and the digits come back as the number, each under its box."""
    digits = [readable_sample(recognizer, 4), readable_sample(recognizer, 7)]
    page.get_by_text("Number", exact=True).click()
    canvas = page.locator(CANVAS)
    playwright_expect(page.get_by_text("Write a number")).to_be_visible(timeout=20_000)
    page.wait_for_timeout(1000)  # the wider canvas replaces the square one
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= page.viewport_size["width"], "the canvas is cut off"
    assert box["width"] / box["height"] == pytest.approx(canvas.evaluate("c => c.width / c.height"), rel=0.02)
    side = 0.8 * box["height"]  # each digit as tall as most of the canvas, side by side
    for place, sample in enumerate(digits):
        strokes = [stroke * side / 280 + [0.1 * box["width"] + place * 0.8 * side, 0.1 * box["height"]]
                   for stroke in sample.screen_strokes(280)]
        draw_strokes(page, box, strokes)
    number = page.locator("[data-testid=stMetric]:has-text('Number') [data-testid=stMetricValue]")
    playwright_expect(number).to_have_text("47", timeout=30_000)
    assert_page_sound(page)


def test_two_digits_on_the_square_canvas_are_read_as_a_number_in_one_click(page, recognizer):
    """“Read it as a number” moves the strokes to the wider canvas (fitted to its height), which
    sends them on at once: the number appears without drawing again. Back in one-digit mode, the
    drawing is still there."""
    box = page.locator(CANVAS).bounding_box()
    for place, sample in enumerate([readable_sample(recognizer, 4), readable_sample(recognizer, 7)]):
        scale = 0.4 * box["width"] / 280
        draw_strokes(page, box, [stroke * scale + [(0.1 + 0.25 * place) * box["width"], 0.3 * box["height"]]
                                 for stroke in sample.screen_strokes(280)])
    read_as_number = page.get_by_role("button", name="Read it as a number")
    read_as_number.click(timeout=30_000)
    number = page.locator("[data-testid=stMetric]:has-text('Number') [data-testid=stMetricValue]")
    playwright_expect(number).to_have_text("47", timeout=30_000)
    assert_page_sound(page)
    page.get_by_text("One digit", exact=True).click()
    playwright_expect(read_as_number).to_be_visible(timeout=30_000)


def test_a_finger_draws_on_a_phone_and_the_page_does_not_scroll(browser, app_url, recognizer):
    """On a touch screen the canvas takes the finger's strokes (a swipe over it draws instead of
    scrolling the page), through the same pointer events as a mouse; on a phone's dense screen
    (3 pixels per CSS pixel) it is drawn at the screen's resolution and the picture sent is still
    the canvas's own size."""
    context = browser.new_context(viewport=dict(zip(("width", "height"), VIEWPORTS["phone"], strict=True)),
                                  has_touch=True, is_mobile=True, device_scale_factor=3)
    try:
        page = context.new_page()
        box = open_canvas(page, app_url)
        scrolled = "document.querySelector('[data-testid=stMain]').scrollTop"
        before = page.evaluate(scrolled)
        touch = context.new_cdp_session(page)
        sample = readable_sample(recognizer, 2)
        for stroke in sample.screen_strokes(280):
            points = [{"x": box["x"] + x * box["width"] / 280, "y": box["y"] + y * box["height"] / 280}
                      for x, y in stroke]
            touch.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": points[:1]})
            for point in points[1:]:
                touch.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [point]})
            touch.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
        playwright_expect(page.locator(PREDICTION)).to_have_text("2", timeout=30_000)
        assert page.evaluate(scrolled) == before, "the finger scrolled the page"
        assert page.locator(CANVAS).evaluate("c => [c.width, c.height]") == [3 * 280, 3 * 280]
    finally:
        context.close()


def test_upload_one_and_many(page, tmp_path):
    photos = real_digits(require_shared("real_digits"))
    three = next(s for s in photos if s.kind == "photo" and s.label == 3)
    five = next(s for s in photos if s.kind == "photo" and s.label == 5)
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"this is not a picture")
    page.get_by_role("tab", name="Upload").click()
    uploader = page.locator("[data-testid=stFileUploader] input[type=file]").first
    uploader.set_input_files(str(three.path))
    playwright_expect(page.locator(PREDICTION)).to_have_text("3", timeout=30_000)
    assert_chart_labels_every_class(page, "3")
    assert_page_sound(page)

    uploader.set_input_files([str(three.path), str(broken), str(five.path)])
    playwright_expect(page.locator("[data-testid=stDataFrame]")).to_be_visible(timeout=30_000)
    playwright_expect(page.locator(PREDICTION)).to_have_text("3", timeout=30_000)  # the first opens
    assert_page_sound(page)
    choose(page, "upload-chosen", five.path.name)
    playwright_expect(page.locator(PREDICTION)).to_have_text("5", timeout=30_000)
    assert_chart_labels_every_class(page, "5")
    assert_page_sound(page)
    choose(page, "upload-chosen", "broken.png")
    playwright_expect(page.get_by_text("not an image").first).to_be_visible(timeout=30_000)
    assert_page_sound(page)


def test_camera_asked_for_only_when_turned_on_its_button_above_the_fold_and_the_photo_shown_once(page, app_url):
    page.add_init_script(COUNT_CAMERA_REQUESTS_JS)
    open_canvas(page, app_url)
    wait_until_idle(page)
    page.get_by_role("tab", name="Camera").click()
    wait_until_idle(page)
    assert page.evaluate("window.cameraRequests") == 0, "the page asked for the camera before it was turned on"
    page.get_by_role("button", name="Turn on the camera").click()
    take_photo = page.get_by_role("button", name="Take Photo")
    take_photo.wait_for(timeout=30_000)
    page.wait_for_function(CAMERA_FITTED_JS, timeout=30_000)
    box = take_photo.bounding_box()
    bottom = box["y"] + box["height"]
    assert bottom <= page.viewport_size["height"], f"“Take photo” is below the fold, its bottom at {bottom:.0f} px"
    take_photo.click()
    playwright_expect(page.locator("[data-testid=stTabPanel]:visible [data-testid=stMetric]").first).to_be_visible(
        timeout=30_000)
    assert page.locator("img[alt='The picture you uploaded']:visible").count() == 0, "the camera shows it already"
    assert page.evaluate("window.cameraRequests") >= 1
    assert_page_sound(page)


# Counts the page's requests for the camera (any media device), from before the page's own scripts run.
COUNT_CAMERA_REQUESTS_JS = """(() => {
    window.cameraRequests = 0;
    const ask = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
    navigator.mediaDevices.getUserMedia = constraints => { window.cameraRequests += 1; return ask(constraints); };
})()"""


# Streamlit's camera first opens the camera at its full size (a picture 2000 px tall on a phone)
# and then asks again at the box's width: the page has its final layout only after that.
CAMERA_FITTED_JS = """() => {
    const box = document.querySelector('[data-testid=stCameraInputWebcamStyledBox]');
    const video = box && box.querySelector('video');
    return video !== null && video.videoWidth > 0 && video.videoWidth <= box.clientWidth + 1;
}"""


def wait_until_idle(page) -> None:
    """Wait for the script run under way to finish: its elements are then the page's own."""
    page.locator("[data-testid=stStatusWidget]").wait_for(state="hidden", timeout=60_000)


def choose(page, key: str, option_start: str) -> None:
    """Pick the option starting with `option_start` in the selectbox with this key."""
    box = page.locator(f".st-key-{key}").get_by_role("combobox")
    box.click()
    box.fill(option_start)  # the options filter as one types
    page.get_by_role("option").filter(has_text=option_start).first.click()


def test_my_samples_delete_undo_export_import(page, data_dir):
    page.get_by_role("tab", name="My samples").click()
    delete = page.locator("[class*=st-key-delete-]").first.get_by_role("button")
    delete.wait_for(timeout=20_000)
    assert_page_sound(page)
    tops = sorted(box["y"] for box in (button.bounding_box() for button in
                                       page.locator("[class*=st-key-delete-]").get_by_role("button").all()))
    assert all(b - a <= 1 or b - a > 60 for a, b in itertools.pairwise(tops)), "Delete buttons at ragged heights"
    before = samples_kept(data_dir)
    delete.click()
    playwright_expect(page.get_by_role("button", name="Undo delete")).to_be_visible(timeout=20_000)
    assert samples_kept(data_dir) == before - 1
    assert_page_sound(page)
    page.get_by_role("button", name="Undo delete").click()
    playwright_expect(page.get_by_role("button", name="Undo delete")).to_have_count(0, timeout=20_000)
    assert samples_kept(data_dir) == before

    archive = export_all(page)
    page.locator(".st-key-import input[type=file]").set_input_files(
        files=[{"name": "mine.zip", "mimeType": "application/zip", "buffer": archive.read_bytes()}])
    playwright_expect(page.get_by_text(f"Imported {before} samples")).to_be_visible(timeout=60_000)
    assert samples_kept(data_dir) == 2 * before
    assert_page_sound(page)
    delete_imported(data_dir, before)


def export_all(page) -> Path:
    """Click "Export all" once the page has finished its rerun, and return the downloaded zip.

    A rerun (after Undo delete) replaces the page's buttons; a click that lands on the old one
    while it is being replaced starts nothing (Streamlit drops the old button's file), so one
    more try follows if no download starts, as a person would click again."""
    said = []
    export = page.get_by_role("button", name="Export all")
    for _ in range(2):
        wait_until_idle(page)
        playwright_expect(export).to_have_count(1, timeout=20_000)  # the old page's button is gone
        try:
            with page.expect_download(timeout=30_000) as download:
                export.click()
            return download.value.path()
        except PlaywrightTimeoutError:
            said += page.locator("[data-testid=stDownloadButtonError]").all_inner_texts()
    pytest.fail(f"Export all started no download; the button said: {said or 'nothing'}")


def delete_imported(data_dir, count: int) -> None:
    """Leave the store as the import found it, for the tests at the other widths."""
    store = local_samples(data_dir)
    for sample in store.samples(LOCAL, count, newest_first=True):
        store.delete(LOCAL, sample.id)


@pytest.mark.parametrize("page", ["laptop"], indirect=True)
def test_fine_tune_to_ready_then_use_the_personal_model(page, recognizer):
    page.get_by_role("tab", name="My samples").click()
    page.get_by_role("button", name="Train my personal model").click()
    playwright_expect(page.get_by_role("progressbar")).to_be_visible(timeout=30_000)
    assert_page_sound(page)
    playwright_expect(page.get_by_text("Personal model ready")).to_be_visible(timeout=900_000)
    assert_page_sound(page)

    choose(page, "model_choice", "Personal model")
    page.get_by_role("tab", name="Draw").click()
    draw(page, readable_sample(recognizer, 2))
    assert_page_sound(page)
    assert np.isfinite(float(page.locator("[data-testid=stMetric]:has-text('Confidence') "
                                          "[data-testid=stMetricValue]").inner_text().rstrip("%")))
