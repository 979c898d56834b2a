"""Digit Lens: draw, upload or photograph a digit and see exactly what the model sees.

Layout only: every picture and number shown comes from `recognizer`.
"""

from __future__ import annotations

import hashlib
import html
import logging
import time
from functools import partial
from typing import TYPE_CHECKING, TypeVar

import streamlit as st

from app_resources import kept_store, load_recognizer
from pen_canvas import Drawing, fitted_strokes, pen_canvas, restart_drawing
from recognizer import InputError, Recognition, Recognizer, Status
from recognizer.decode import MAX_FILE_BYTES, ImageSource
from recognizer.display import boxes_on_picture, pixel_grid, square_tile, thumbnail_data_uri
from recognizer.model import CLASS_NAMES, DEFAULT_MODEL_PATH
from recognizer.numbers import NumberReading, NumberStatus
from recognizer.store.interface import Store
from recognizer.store.owners import LOCAL, Owner, keeper_of_samples
from recognizer.store.samples import Sample
from recognizer.store.session_store import SessionStore
from recognizer.training.jobs import FineTuneJob

if TYPE_CHECKING:
    from collections.abc import Callable

    import numpy as np

T = TypeVar("T")
ONE_DIGIT, NUMBER = "One digit", "Number"
CANVAS_KEY = "canvas"
CANVAS_SIZES = {ONE_DIGIT: (280, 280), NUMBER: (700, 240)}  # (width, height); a number: a dozen digits in a row
DIGIT_ROW_CELL = 3  # each digit's 28x28 input at 3 screen pixels per model pixel
MIN_SAMPLES_TO_TRAIN = 10
SAMPLES_PER_PAGE = 48
STAGE_SIDE = 96  # three tiles side by side on a 390 px phone, seven in a row on a laptop
SAMPLE_SIDE = 88  # with its caption 108 px wide: three side by side on a phone
SHIPPED_MODEL = "shipped"
MODEL_VIEW_SIDE = 224  # the 28x28 input, 8 screen pixels per model pixel
WINNER_COLOUR, OTHER_COLOUR = "#c2410c", "#52606d"  # 5.2:1 and 6.4:1 against white
TEXT_COLOUR = "#31333f"  # Streamlit's text colour: the chart's labels read like the page's
# Streamlit lays a list of pictures out edge to edge: the steps get the gap they had as separate tiles.
# The probability chart is HTML: a grid of label, bar and percentage per answer.
PAGE_STYLE = f"""<style>
.st-key-stages [data-testid=stImageContainer] {{ margin-right: 0.5rem; }}
.probabilities {{ margin: 0; color: {TEXT_COLOUR}; }}
.probabilities figcaption {{ font-weight: 600; margin-bottom: 0.4rem; }}
.probabilities .bars {{ display: grid; grid-template-columns: max-content 1fr 2.6rem; gap: 0.1rem 0.6rem;
                        align-items: center; font-size: 0.875rem; }}
.probabilities .track {{ height: 0.9rem; background: #eef0f4; border-radius: 2px; }}
.probabilities .bar {{ display: block; height: 100%; min-width: 1px; background: {OTHER_COLOUR}; border-radius: 2px; }}
.probabilities .top {{ font-weight: 700; }}
.probabilities .bar.top {{ background: {WINNER_COLOUR}; }}
.probabilities .value {{ text-align: right; font-variant-numeric: tabular-nums; }}
</style>"""
UPLOAD_HELP = (f"One digit per picture: PNG, JPEG, WebP, BMP, TIFF, GIF or HEIC, up to "
               f"{MAX_FILE_BYTES // 2**20} MB each. A file over 100 MB is not even sent: it is marked with a red “!”.")
ABOUT = """
A network trained on MNIST scores 99% there and often fails on your own digits, because MNIST
digits are all alike in ways your picture is not: white ink on black, strokes about 2-3 pixels
wide, the digit fitted into a 20x20 box and its centre of mass at the centre of 28x28. A phone
photo is dark ink on paper, large, off-centre, shadowed; a paint-program digit is huge with a
thin or a thick brush. Digit Lens rebuilds that MNIST form from any picture: it separates ink
from paper (dividing out shadows), keeps the marks that make up the digit, evens out stroke
width, fits the digit into 20x20 and centres it by mass. The strip of steps below each answer
shows every stage, ending with the 784 pixels the model actually receives.

MNIST's writers are also all American: they hardly flag a 1, cross a 7 or leave a 4 open. The
shipped model also learnt the digits of 168 more people (scanned in Austria and Switzerland, and
pen strokes drawn as on this canvas), and it is judged on writers it never saw: it reads 98.6%
of the digits of 176 such writers (CVL test), where a model of MNIST alone reads 92.4%.
"""


def sign_in_configured() -> bool:
    return st.secrets.load_if_toml_exists() and "auth" in st.secrets


@st.cache_resource
def warn_operator_once(address: str) -> None:
    """Once per server: tell whoever started it why no one's corrections are kept."""
    logging.getLogger("digit_lens").warning(
        "Digit Lens is served on %s without sign-in, so every visitor is anonymous and no corrections are kept "
        "beyond a browser session. To keep each person's samples, add an [auth] section (OpenID Connect) to "
        ".streamlit/secrets.toml (README: 'Serving many people'), or bind server.address to localhost for one "
        "local user.", address or "every network address")


def visitor() -> tuple[Owner, Store]:
    """Who is using the page and where their samples live. Decided from the signed identity
    cookie (`st.user`) and the server's own configured address, never from request headers."""
    address = st.get_option("server.address") or ""
    owner = keeper_of_samples(st.user.to_dict(), sign_in_configured=sign_in_configured(), server_address=address)
    if owner is not None:
        return owner, kept_store()
    if not sign_in_configured():
        warn_operator_once(address)
    if "anonymous" not in st.session_state:  # lives and dies with this browser session
        st.session_state["anonymous"] = (Owner.anonymous(), SessionStore())
    return st.session_state["anonymous"]


def main() -> None:
    st.set_page_config(page_title="Digit Lens", page_icon="🔢", layout="wide")
    st.title("Digit Lens")
    st.caption("Handwritten digit recognition that shows what the model sees.")
    st.html(PAGE_STYLE)
    with st.expander("About: why MNIST models fail on real pictures"):
        st.markdown(ABOUT)
    owner, store = visitor()
    account_ui(owner)
    recognizer = load_recognizer(model_choice_ui(owner, store))
    st.radio("Read", [ONE_DIGIT, NUMBER], horizontal=True, key="mode", on_change=keep_drawing_on_new_canvas,
             help="“Number” reads every digit in the picture, line by line, and shows each one as the model saw it.")
    draw, upload, camera, mine = st.tabs([":material/draw: Draw", ":material/upload: Upload",
                                          ":material/photo_camera: Camera", ":material/collections: My samples"])
    with draw:
        draw_ui(recognizer, owner, store)
    with upload:
        upload_ui(recognizer, owner, store)
    with camera:
        camera_ui(recognizer, owner, store)
    with mine:
        my_samples_ui(owner, store)


def account_ui(owner: Owner) -> None:
    """Sidebar: who is signed in, and what happens to an anonymous visitor's corrections."""
    if owner == LOCAL:
        st.sidebar.caption("Your samples are kept on this computer.")
    elif not owner.is_anonymous:
        st.sidebar.caption(f"Signed in as {st.user.get('name') or st.user.get('email') or 'you'}.")
        st.sidebar.button("Sign out", on_click=st.logout)
    elif sign_in_configured():
        st.sidebar.info("Your corrections are kept only in this browser tab and are gone when you close it. "
                        "Sign in to keep them and to train your own model.")
        st.sidebar.button("Sign in", on_click=st.login, type="primary")
    else:
        st.sidebar.info("Your corrections are kept only in this browser tab: this server keeps no one's data.")


def model_choice_ui(owner: Owner, store: Store) -> str:
    """Sidebar: the shipped model or one of this person's personal models; returns a model file.
    The choice is offered once there is one to make (a list of one would only cost the first
    page a menu's scripts)."""
    personal = store.personal_models(owner)
    if not personal:
        st.sidebar.caption("Model: the shipped one. Train your own in “My samples”; you can choose it here.")
        return str(DEFAULT_MODEL_PATH)
    choice = st.sidebar.selectbox("Model", [SHIPPED_MODEL, *personal], key="model_choice",
                                  format_func=model_label,
                                  help="Personal models are fine-tuned on the samples in “My samples”.")
    if choice == SHIPPED_MODEL:
        return str(DEFAULT_MODEL_PATH)
    return str(store.personal_model_file(owner, choice))


def model_label(name: str) -> str:
    """“Personal model, 27 Nov 11:30 UTC” rather than the file name, which holds that time."""
    if name == SHIPPED_MODEL:
        return "Shipped model"
    stamp = name.removeprefix("digits-personal-").removesuffix(".keras")
    try:
        made = time.strptime(stamp, "%Y%m%d-%H%M%S")
    except ValueError:
        return f"Personal model {stamp}"
    return "Personal model, " + time.strftime("%d %b %H:%M UTC", made).lstrip("0")


@st.fragment
def draw_ui(recognizer: Recognizer, owner: Owner, store: Store) -> None:
    """A fragment: a new stroke reruns only this part of the page, which keeps answers quick."""
    if st.session_state.pop("page_outdated", False):  # the mode changed: the whole page shows it
        st.rerun(scope="app")
    if st.session_state.get("mode") == NUMBER:
        drawing = canvas_ui(*CANVAS_SIZES[NUMBER], "Write a number: digits in a row, one or more lines.")
        reading = None if drawing is None or drawing.picture is None else recognizer.read_number(drawing.picture)
        number_ui(reading, "draw", recognizer, owner, store)
        return
    canvas_column, answer_column = st.columns([1, 1])
    with canvas_column:
        drawing = canvas_ui(*CANVAS_SIZES[ONE_DIGIT], "Draw one digit with mouse, finger or pen.")
    result = None if drawing is None or drawing.picture is None else recognizer.recognize(drawing.picture)
    with answer_column:
        if result is None or result.status == Status.EMPTY:
            st.info("Draw a digit on the canvas: the answer appears when you lift the pen.")
            return
        answer_ui(result)
        read_as_number_offer_ui(result, "draw")
        feedback_ui(result, drawing.picture, "draw", recognizer, owner, store)
    stages_ui(result)


def canvas_ui(width: int, height: int, caption: str) -> Drawing | None:
    """The drawing canvas (with its own Undo and Clear) and the brush width; returns the drawing,
    None while the canvas is still redrawing the strokes the page gave it."""
    drawing = pen_canvas(width, height, st.session_state.get("brush", 18), key=CANVAS_KEY)
    if drawing is not None:
        st.session_state["canvas_strokes"] = drawing.strokes
    st.slider("Brush width", 6, 40, 18, key="brush", help="MNIST-like strokes are about 1/15 of the digit's height.")
    st.caption(caption)
    return drawing


def read_as_number_offer_ui(result: Recognition, origin: str) -> None:
    """Where one digit was expected and several were found: one click reads them as a number."""
    if result.status == Status.SEVERAL:
        st.button("Read it as a number", icon=":material/pin:", key=f"as-number-{origin}", type="primary",
                  on_click=switch_to_number_mode, args=(origin == "draw",))


def switch_to_number_mode(in_drawing_fragment: bool) -> None:
    """Number mode, keeping what was drawn. Clicked in the drawing's fragment, which alone reruns,
    the page outside it (the mode's radio) is rerun too."""
    st.session_state["mode"] = NUMBER
    st.session_state["page_outdated"] = in_drawing_fragment
    keep_drawing_on_new_canvas()


def keep_drawing_on_new_canvas() -> None:
    """The canvas of the mode now chosen starts with the strokes drawn on the other one, made
    smaller if they would not fit it: changing the mode loses nothing."""
    width, height = CANVAS_SIZES[st.session_state.get("mode", ONE_DIGIT)]
    restart_drawing(CANVAS_KEY, fitted_strokes(st.session_state.get("canvas_strokes", []), width, height))


def upload_ui(recognizer: Recognizer, owner: Owner, store: Store) -> None:
    files = st.file_uploader("Pictures of digits", accept_multiple_files=True, help=UPLOAD_HELP)
    st.caption(UPLOAD_HELP)
    if not files:
        st.info("Upload one or more photos, scans or drawings of a single digit each.")
        return
    pictures = [file.getvalue() for file in files]
    names, file_ids = [file.name for file in files], [file.file_id for file in files]
    if st.session_state.get("mode") == NUMBER:
        readings = once_per_upload("number_readings", recognizer, file_ids,
                                   lambda: [read_number_safely(recognizer, picture) for picture in pictures])
        chosen = 0
        if len(files) > 1:
            results_table_ui(names, [r.picture for r in readings], [short_reading(r) for r in readings], {
                "number": [r.text for r in readings], "status": [str(r.status) for r in readings],
                "confidence": [f"{r.confidence:.0%}" for r in readings], "message": [r.message for r in readings]})
            chosen = st.selectbox("Open a picture for its digits, steps and corrections", range(len(files)),
                                  format_func=lambda index: f"{names[index]}: {short_reading(readings[index])}",
                                  key="number-chosen")
        number_ui(readings[chosen], "upload", recognizer, owner, store)
        return
    results = once_per_upload("upload_results", recognizer, file_ids, lambda: recognizer.recognize_many(pictures))
    if len(files) == 1:
        picture_ui(results[0], pictures[0], "upload", recognizer, owner, store)
        return
    results_table_ui(names, [r.stages[0].image if r.stages else None for r in results],
                     [short_answer(r) for r in results], {
                         "digit": ["" if r.digit is None else r.digit for r in results],
                         "status": [str(r.status) for r in results],
                         "confidence": [f"{r.confidence:.0%}" for r in results],
                         "message": [r.message for r in results]})
    chosen = st.selectbox("Open a picture for its steps, chart and correction", range(len(files)),
                          format_func=lambda index: f"{names[index]}: {short_answer(results[index])}",
                          key="upload-chosen")
    picture_ui(results[chosen], pictures[chosen], "upload", recognizer, owner, store)


def once_per_upload(name: str, recognizer: Recognizer, file_ids: list[str], compute: Callable[[], T]) -> T:
    """What `compute` makes of the uploads, once per set of files and model (a click reruns the page)."""
    memo_key = (recognizer.model.version, tuple(file_ids))
    memo = st.session_state.get(name)
    if memo is None or memo[0] != memo_key:
        memo = (memo_key, compute())
        st.session_state[name] = memo
    return memo[1]


def read_number_safely(recognizer: Recognizer, picture: bytes) -> NumberReading:
    try:
        return recognizer.read_number(picture)
    except InputError as error:
        return NumberReading.failed(str(error))


def camera_ui(recognizer: Recognizer, owner: Owner, store: Store) -> None:
    """The camera, once the person turns it on: a camera element asks the browser for the camera
    as soon as it is on the page, hidden tab or not, and nobody who came to draw should be asked."""
    if not st.session_state.get("camera_on"):
        st.button("Turn on the camera", icon=":material/photo_camera:", key="camera-on", type="primary",
                  on_click=switch_camera, args=(True,))
        st.caption("Your browser will then ask whether Digit Lens may use the camera.")
        return
    camera_column, answer_column = st.columns([1, 1])
    with camera_column:
        photo = st.camera_input("Hold one handwritten digit up to the camera")
        st.button("Turn off the camera", icon=":material/videocam_off:", key="camera-off",
                  on_click=switch_camera, args=(False,))
    if photo is None:
        return
    if st.session_state.get("mode") == NUMBER:
        number_ui(read_number_safely(recognizer, photo.getvalue()), "camera", recognizer, owner, store)
        return
    result = recognizer.recognize_many([photo.getvalue()])[0]
    with answer_column:
        picture_answer_ui(result, photo.getvalue(), "camera", recognizer, owner, store)
    stages_ui(result)


def switch_camera(on: bool) -> None:
    st.session_state["camera_on"] = on


def picture_ui(result: Recognition, picture: bytes, origin: str, recognizer: Recognizer, owner: Owner,
               store: Store) -> None:
    """One uploaded picture in full: the picture, the answer, the correction and every step."""
    picture_column, answer_column = st.columns([1, 1])
    if result.stages:
        with picture_column:
            st.image(square_tile(result.stages[0].image, 320), caption="Your picture", width="stretch",
                     alt="The picture you uploaded")
    with answer_column:
        picture_answer_ui(result, picture, origin, recognizer, owner, store)
    stages_ui(result)


def picture_answer_ui(result: Recognition, picture: bytes, origin: str, recognizer: Recognizer, owner: Owner,
                      store: Store) -> None:
    if result.status == Status.ERROR:
        st.error(result.message)
        return
    answer_ui(result)
    read_as_number_offer_ui(result, origin)
    feedback_ui(result, picture, origin, recognizer, owner, store)


NUMBER_STATUS_BOX = {NumberStatus.NUMBER: st.success, NumberStatus.UNSURE: st.warning,
                     NumberStatus.NOT_DIGIT: st.warning}


def number_ui(reading: NumberReading | None, origin: str, recognizer: Recognizer, owner: Owner,
              store: Store) -> None:
    """A whole number: the picture with a box and the read digit over each digit, the number and
    its confidence, the row of the digits' 28x28 inputs; a chosen digit with its chart, its
    correction (kept as a single-digit sample) and its steps."""
    if reading is None or reading.status == NumberStatus.EMPTY:
        st.info("Write or show a number: each digit is found, read and shown as the model saw it.")
        return
    if reading.status == NumberStatus.ERROR:
        st.error(reading.message)
        return
    picture_column, answer_column = st.columns([2, 1])
    with picture_column:
        marked = boxes_on_picture(reading.picture, [d.box for d in reading.digits], [d.symbol for d in reading.digits],
                                  [str(d.status) for d in reading.digits])
        st.image(marked, caption="Your picture: a box round each digit found, what was read above it",
                 width="stretch", alt=f"Your picture with {len(reading.digits)} digits boxed")
    with answer_column:
        st.metric("Number", reading.text.replace("\n", " / "), help="Line by line, top to bottom; “?” is a mark "
                  "that does not look like a digit.")
        st.metric("Confidence", f"{reading.confidence:.0%}", help="How likely every digit is right: the product "
                  "of the digits' calibrated confidences.")
        NUMBER_STATUS_BOX.get(reading.status, st.error)(reading.message)
    chosen = digit_row_ui(reading, origin)
    st.subheader(f"Digit {chosen + 1}")
    digit = reading.digits[chosen].recognition
    answer_ui(digit)
    feedback_ui(digit, reading.digits[chosen].alone, origin, recognizer, owner, store)
    stages_ui(digit)


def digit_row_ui(reading: NumberReading, origin: str) -> int:
    """Each digit's 28x28 input with its answer and confidence, in reading order; returns the
    one chosen to look at closely."""
    st.markdown("**What the model saw, digit by digit**")
    with st.container(horizontal=True, gap="small", key=f"number-inputs-{origin}"):
        for place, digit in enumerate(reading.digits, 1):
            st.image(pixel_grid(digit.model_input, cell=DIGIT_ROW_CELL), width=28 * DIGIT_ROW_CELL,
                     caption=f"{place}: {digit.symbol} ({digit.confidence:.0%})",
                     alt=f"Digit {place} as the model saw it, read as {digit.symbol}")
    key = f"number-digit-{origin}"
    chosen = st.session_state.get(key, 0)
    if not isinstance(chosen, int) or chosen >= len(reading.digits):
        # a new reading with fewer digits, or a value that is no place at all (a string was found
        # there in Chromium when a second digit was written while the page redrew the first)
        st.session_state[key] = 0
    return st.radio("Look at and correct digit", range(len(reading.digits)), horizontal=True, key=key,
                    format_func=lambda index: f"{index + 1}: {reading.digits[index].symbol}")


def feedback_ui(result: Recognition, picture: ImageSource, origin: str, recognizer: Recognizer, owner: Owner,
                store: Store) -> None:
    """All ten digits under every answer, the model's (or the kept) one highlighted: a click keeps
    the picture with that label in "My samples", once per picture, for a personal model."""
    if result.model_input is None:
        return
    picture_id = hashlib.sha1(result.model_input.tobytes()).hexdigest()
    kept = st.session_state.setdefault("kept", {}).get(picture_id)
    chosen = result.digit if kept is None else kept[1]
    st.markdown("**Was it right? If not, which digit is it?**")
    with st.container(horizontal=True, gap="small", key=f"digits-{origin}"):
        for digit in range(10):
            st.button(str(digit), key=f"label-{origin}-{digit}", type="primary" if digit == chosen else "secondary",
                      on_click=keep_sample,
                      args=(picture_id, digit, result, picture, origin, recognizer.model.version, owner, store))
    if kept is not None:
        st.success(f"Kept as a {kept[1]} in “My samples”. Click another digit to change it.", icon="✅")
    elif result.digit is not None:
        st.caption(f"The highlighted {result.digit} is the model's answer: click it to confirm.")


def keep_sample(picture_id: str, label: int, result: Recognition, picture: ImageSource, origin: str,
                version: str, owner: Owner, store: Store) -> None:
    """Keep one sample per picture: the first click adds it, a different digit replaces its label."""
    kept = st.session_state.setdefault("kept", {})
    previous = kept.get(picture_id)
    if previous is not None and previous[1] == label:
        return  # already kept so, as the message under the digits says
    try:
        sample_id = store.add(owner, picture, label, predicted=result.digit, probabilities=result.probabilities,
                              model_version=version, origin=origin)
    except InputError as error:  # a picture with nothing to learn from
        st.toast(str(error), icon="⚠️")
        return
    if previous is not None:
        store.delete(owner, previous[0])
    kept[picture_id] = (sample_id, label)


STATUS_BOX = {Status.DIGIT: st.success, Status.UNSURE: st.warning, Status.NOT_DIGIT: st.warning,
              Status.SEVERAL: st.warning, Status.EMPTY: st.info}


def answer_ui(result: Recognition) -> None:
    """The answer large, its confidence, every class's probability and the model's 28x28 view."""
    metric_column, input_column = st.columns([1, 1])
    with metric_column:
        st.metric("Prediction", "—" if result.digit is None else result.digit,
                  help="The digit the model ranks first; none when it is not one digit.")
        if result.digit is not None:
            st.metric("Confidence", f"{result.confidence:.0%}", help="Calibrated: of the answers given with 90% "
                      "confidence, about 9 in 10 are right.")
    with input_column:
        if result.model_input is not None:
            st.image(pixel_grid(result.model_input, cell=MODEL_VIEW_SIDE // 28), caption="What the model sees (28x28)",
                     alt="The 28 by 28 pixels the model received, enlarged")
    STATUS_BOX.get(result.status, st.error)(result.message)
    for tip in result.advice:
        st.info(tip, icon="💡")
    if result.model_input is not None:
        probability_chart(result)


def probability_chart(result: Recognition) -> None:
    st.html(probability_bars(result.probabilities))


def probability_bars(probabilities: tuple[float, ...]) -> str:
    """One labelled bar per answer the model can give, the most likely one highlighted, as plain
    HTML (styled by PAGE_STYLE): the page shows it at once, where a Vega-Lite chart cost the
    browser ~50 ms per answer and a script of its own on every fresh page. Labels and
    percentages are text, read out in order by screen readers; the bars are only drawn."""
    winner = max(range(len(CLASS_NAMES)), key=lambda index: probabilities[index])
    rows = []
    for index, (name, p) in enumerate(zip(CLASS_NAMES, probabilities, strict=True)):
        top = " top" if index == winner else ""
        rows.append(f'<span class="answer{top}">{html.escape(name)}</span>'
                    f'<span class="track" aria-hidden="true"><span class="bar{top}" style="width: {100 * p:.1f}%">'
                    f'</span></span><span class="value{top}">{p:.0%}</span>')
    return ('<figure class="probabilities"><figcaption>Probability of each answer</figcaption>'
            f'<div class="bars">{"".join(rows)}</div></figure>')


def stages_ui(result: Recognition) -> None:
    """Every preprocessing step as equal tiles, in a row that wraps on narrow screens."""
    if len(result.stages) < 2:
        return
    st.subheader("How your picture became the model's input")
    with st.container(key="stages"):  # one element for all of them: each element costs the page a render
        st.image([square_tile(stage.image, STAGE_SIDE) for stage in result.stages], width=STAGE_SIDE,
                 caption=[f"{number}. {stage.caption}" for number, stage in enumerate(result.stages, 1)],
                 alt=[f"Step {number}: {stage.caption}" for number, stage in enumerate(result.stages, 1)])


def short_answer(result: Recognition) -> str:
    """A few words for a table row; the full message is in the picture's own view."""
    if result.status == Status.ERROR:
        return "could not be read"
    if result.digit is None:
        return {Status.EMPTY: "blank", Status.SEVERAL: "several digits"}.get(result.status, "not a digit")
    return f"{result.digit} ({result.confidence:.0%}{', not sure' if result.status == Status.UNSURE else ''})"


def short_reading(reading: NumberReading) -> str:
    """A number's table row: its text (lines joined by " / ") and confidence, or what went wrong."""
    if reading.status == NumberStatus.ERROR:
        return "could not be read"
    if reading.status in (NumberStatus.EMPTY, NumberStatus.NOT_DIGIT):
        return "blank" if reading.status == NumberStatus.EMPTY else "no digits"
    unsure = ", not sure" if reading.status == NumberStatus.UNSURE else ""
    return f"{' / '.join(reading.line_texts)} ({reading.confidence:.0%}{unsure})"


def results_table_ui(names: list[str], pictures: list[np.ndarray | None], answers: list[str],
                     export: dict[str, list]) -> None:
    """One short row per file (fits a phone), broken files saying so while the rest still work;
    the CSV download has `export`'s columns after the file names."""
    import pandas as pd

    table = pd.DataFrame({
        "picture": ["" if picture is None else thumbnail_data_uri(picture) for picture in pictures],
        "file": names,
        "answer": answers,
    })
    st.dataframe(table, hide_index=True, width="stretch", column_config={
        "picture": st.column_config.ImageColumn("picture", width="small"),
    })
    st.download_button("Download results (CSV)", pd.DataFrame({"file": names, **export}).to_csv(index=False),
                       "digit-lens-results.csv", "text/csv", on_click="ignore")


def my_samples_ui(owner: Owner, store: Store) -> None:
    """This person's samples as a grid (delete any, undo that), zip export and import, and fine-tuning."""
    count = store.count(owner)
    where = ("only in this browser tab" + (" (sign in to keep them)" if sign_in_configured() else "")
             if owner.is_anonymous else
             "on this server" if owner == LOCAL else "with your account, for you alone")
    st.caption(f"{count} sample{'' if count == 1 else 's'} kept {where}, newest first. Each click on a digit "
               "under an answer adds one.")
    deleted_sample_ui(owner, store)
    pages = max(1, -(-count // SAMPLES_PER_PAGE))
    page = st.number_input(f"Page (of {pages})", 1, pages, 1) if pages > 1 else 1
    samples = store.samples(owner, SAMPLES_PER_PAGE, (page - 1) * SAMPLES_PER_PAGE, newest_first=True)
    with st.container(horizontal=True, gap="small", key="samples"):
        for sample in samples:
            with st.container(width=SAMPLE_SIDE + 20, gap="small"):  # room for “4 (model: 5)”
                said = "" if sample.predicted == sample.label else (
                    " (model: —)" if sample.predicted is None else f" (model: {sample.predicted})")
                st.image(square_tile(sample.original, SAMPLE_SIDE), caption=f"{sample.label}{said}",
                         width=SAMPLE_SIDE, alt=f"A sample kept as a {sample.label}")
                st.button("Delete", key=f"delete-{sample.id}", on_click=delete_sample,
                          args=(owner, store, sample))
    export_column, import_column = st.columns(2)
    with export_column:
        # the zip is made on click, not on every rerun of the page; the click reruns nothing, so no
        # rerun can revoke the zip's link while the browser is still asking for it
        st.download_button("Export all (zip of PNGs + labels.csv)", partial(store.export_zip, owner),
                           "digit-lens-samples.zip", "application/zip", disabled=not count, on_click="ignore")
    with import_column:
        import_ui(owner, store)
    fine_tune_ui(count, owner, store)


def delete_sample(owner: Owner, store: Store, sample: Sample) -> None:
    store.delete(owner, sample.id)
    st.session_state["deleted_sample"] = sample


def deleted_sample_ui(owner: Owner, store: Store) -> None:
    """After a Delete: what went, and a button that brings it back."""
    sample: Sample | None = st.session_state.get("deleted_sample")
    if sample is None:
        return
    message_column, undo_column = st.columns([3, 1], vertical_alignment="center")
    message_column.info(f"Deleted a sample labelled {sample.label}.")
    undo_column.button("Undo delete", icon=":material/undo:", key="undo-delete", on_click=restore_sample,
                       args=(owner, store, sample))


def restore_sample(owner: Owner, store: Store, sample: Sample) -> None:
    store.add(owner, sample.original, sample.label, predicted=sample.predicted, probabilities=sample.probabilities,
              model_version=sample.model_version, origin=sample.source)
    st.session_state["deleted_sample"] = None


def import_ui(owner: Owner, store: Store) -> None:
    archive = st.file_uploader("Import samples (a zip exported from Digit Lens)", key="import")
    if archive is None or st.session_state.get("imported") == archive.file_id:
        return
    st.session_state["imported"] = archive.file_id  # the uploader keeps the file: import it once
    try:
        added, problems = store.import_zip(owner, archive.getvalue())
    except InputError as error:
        st.error(str(error))
        return
    st.success(f"Imported {added} samples.")
    for problem in problems:
        st.warning(problem)


def fine_tune_ui(sample_count: int, owner: Owner, store: Store) -> None:
    """Start `train.py --fine-tune` in the background and follow it; the page stays usable."""
    st.subheader("Your personal model")
    job: FineTuneJob | None = st.session_state.get("fine_tune_job")
    if job is not None and job.owner != owner:
        job = None  # someone else's job is not shown
    if job is not None:
        # re-run every second while training, so the bar moves without a click
        st.fragment(fine_tune_progress_ui, run_every=1 if job.running else None)(job)
    unable = owner.is_anonymous or sample_count < MIN_SAMPLES_TO_TRAIN or (job is not None and job.running)
    if st.button("Train my personal model", disabled=unable,
                 help=f"Needs at least {MIN_SAMPLES_TO_TRAIN} samples; about a minute for 30."):
        st.session_state["fine_tune_job"] = FineTuneJob(store, owner)
        st.rerun()
    if owner.is_anonymous:
        st.caption("Sign in first: a personal model is kept with your account.")
    elif sample_count < MIN_SAMPLES_TO_TRAIN:
        st.caption(f"Training needs at least {MIN_SAMPLES_TO_TRAIN} samples; {sample_count} so far.")


def fine_tune_progress_ui(job: FineTuneJob) -> None:
    """Progress while training; once it ends, the whole page reruns so the sidebar lists the new model."""
    if job.running:
        st.progress(job.progress(), text="Learning your handwriting… (you can keep drawing meanwhile)")
        return
    if st.session_state.get("finished_job") != job.out:
        st.session_state["finished_job"] = job.out
        st.rerun()
    if job.succeeded:
        before, after = job.card()["before"], job.card()["after"]
        held_out = (f"on your samples it did not train on {before['held_out_samples_accuracy']:.0%} → "
                    f"{after['held_out_samples_accuracy']:.0%}; " if after["held_out_samples_accuracy"] is not None
                    else "")
        st.success(f"Personal model ready: {held_out}MNIST test {before['mnist_test_accuracy']:.2%} → "
                   f"{after['mnist_test_accuracy']:.2%}. Choose “{model_label(job.model_name)}” under “Model” in the "
                   "sidebar.")
    else:
        # the log names files on the server: it goes to the server's log, not to the visitor
        logging.getLogger("digit_lens").error("Fine-tuning %s stopped:\n%s", job.out, job.failure())
        st.error("Training stopped before the model was ready. Please try again; if it stops again, the server's "
                 "log says why.")


main()
