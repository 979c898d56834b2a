"""Digit Lens: draw, upload or photograph a digit and see exactly what the model sees.

Layout only: every picture and number shown comes from `recognizer`.
"""

from __future__ import annotations

import logging
import time
from functools import partial

import altair as alt
import pandas as pd
import streamlit as st
from streamlit_drawable_canvas import st_canvas

from recognizer import InputError, Recognition, Recognizer, Status
from recognizer.decode import ACCEPTED_FILE_TYPES, ImageSource
from recognizer.display import pixel_grid, thumbnail_data_uri, to_uint8
from recognizer.model import CLASS_NAMES, DEFAULT_MODEL_PATH
from recognizer.preprocess import display_copy
from recognizer.store.backends import open_store
from recognizer.store.interface import Store
from recognizer.store.owners import LOCAL, Owner, keeper_of_samples
from recognizer.store.session_store import SessionStore
from recognizer.training.jobs import FineTuneJob

CANVAS_SIDE = 280
MIN_SAMPLES_TO_TRAIN = 10
SAMPLES_PER_ROW = 8
SAMPLES_PER_PAGE = 6 * SAMPLES_PER_ROW
SHIPPED_MODEL = "shipped"
RIGHT = "✓ Right"
WINNER_COLOUR, OTHER_COLOUR = "#e4572e", "#9aa5b1"
ABOUT = """
A network trained on MNIST scores 99% there and often fails on your own digits, because MNIST
digits are all alike in ways your picture is not: white ink on black, strokes about 2-3 pixels
wide, the digit fitted into a 20x20 box and its centre of mass at the centre of 28x28. A phone
photo is dark ink on paper, large, off-centre, shadowed; a paint-program digit is huge with a
thin or a thick brush. Digit Lens rebuilds that MNIST form from any picture: it separates ink
from paper (dividing out shadows), keeps the marks that make up the digit, evens out stroke
width, fits the digit into 20x20 and centres it by mass. The strip of steps below each answer
shows every stage, ending with the 784 pixels the model actually receives.
"""


@st.cache_resource(show_spinner="Loading the model…")
def load_recognizer(path: str) -> Recognizer:
    """One recognizer per model file and server process, shared by every session (thread-safe)."""
    return Recognizer.load(path)


@st.cache_resource
def kept_store() -> Store:
    """The store of kept samples (SQLite under $DIGIT_LENS_DATA_DIR, or PostgreSQL when
    $DIGIT_LENS_DATABASE_URL is set), shared by every session: each call names its owner."""
    return open_store()


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
    with st.expander("About: why MNIST models fail on real pictures"):
        st.markdown(ABOUT)
    owner, store = visitor()
    account_ui(owner)
    recognizer = load_recognizer(model_choice_ui(owner, store))
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
    """Sidebar: the shipped model or one of this person's personal models; returns a model file."""
    choice = st.sidebar.selectbox("Model", [SHIPPED_MODEL, *store.personal_models(owner)], key="model_choice",
                                  format_func=model_label,
                                  help="Personal models are fine-tuned on the samples in “My samples”.")
    if choice == SHIPPED_MODEL:
        return str(DEFAULT_MODEL_PATH)
    return str(store.personal_model_file(owner, choice))


def model_label(name: str) -> str:
    if name == SHIPPED_MODEL:
        return "Shipped model (MNIST)"
    return "Personal model of " + name.removeprefix("digits-personal-").removesuffix(".keras")


@st.fragment
def draw_ui(recognizer: Recognizer, owner: Owner, store: Store) -> None:
    """A fragment: a new stroke reruns only this part of the page, which keeps answers quick."""
    canvas_column, answer_column = st.columns([1, 1])
    with canvas_column:
        brush = st.slider("Brush width", 6, 40, 18, help="MNIST-like strokes are about 1/15 of the digit's height.")
        canvas = st_canvas(stroke_width=brush, stroke_color="#000000", height=CANVAS_SIDE, width=CANVAS_SIDE,
                           return_image_data=True, key="canvas")
        st.caption("Draw one digit with mouse, finger or pen. Undo and clear are in the canvas toolbar.")
    result = None if canvas.image_data is None else recognizer.recognize(canvas.image_data)
    with answer_column:
        if result is None or result.status == Status.EMPTY:
            st.info("Draw a digit on the canvas: the answer appears when you lift the pen.")
            return
        answer_ui(result)
        feedback_ui(result, canvas.image_data, "draw", recognizer, owner, store)
    stages_ui(result)


def upload_ui(recognizer: Recognizer, owner: Owner, store: Store) -> None:
    files = st.file_uploader("Pictures of digits (one digit per picture)", type=ACCEPTED_FILE_TYPES,
                             accept_multiple_files=True)
    if not files:
        st.info("Upload one or more photos, scans or drawings of a single digit each.")
    elif len(files) == 1:
        single_picture_ui(recognizer, files[0].getvalue(), "upload", owner, store)
    else:
        results_table_ui(files, recognizer.recognize_many([file.getvalue() for file in files]))


def camera_ui(recognizer: Recognizer, owner: Owner, store: Store) -> None:
    photo = st.camera_input("Hold one handwritten digit up to the camera")
    if photo is not None:
        single_picture_ui(recognizer, photo.getvalue(), "camera", owner, store)


def single_picture_ui(recognizer: Recognizer, data: bytes, origin: str, owner: Owner, store: Store) -> None:
    try:
        result = recognizer.recognize(data)
    except InputError as error:
        st.error(str(error))
        return
    picture_column, answer_column = st.columns([1, 1])
    with picture_column:
        st.image(result.stages[0].image, caption="Your picture", width="stretch")
    with answer_column:
        answer_ui(result)
        feedback_ui(result, data, origin, recognizer, owner, store)
    stages_ui(result)


def feedback_ui(result: Recognition, picture: ImageSource, origin: str, recognizer: Recognizer, owner: Owner,
                store: Store) -> None:
    """"Right" or the right digit, under every answer the model gave: each click keeps the
    picture with its label in "My samples", for fine-tuning a personal model."""
    if result.model_input is None:
        return
    options = ([RIGHT] if result.digit is not None else []) + [str(d) for d in range(10)]
    st.segmented_control("Was it right? If not, which digit is it?", options, key=f"feedback-{origin}",
                         on_change=keep_sample, args=(f"feedback-{origin}", result, picture, origin,
                                                      recognizer.model.version, owner, store))


def keep_sample(key: str, result: Recognition, picture: ImageSource, origin: str, version: str, owner: Owner,
                store: Store) -> None:
    """Store the clicked label once, then clear the choice so the next click counts again."""
    choice = st.session_state[key]
    st.session_state[key] = None
    if choice is None:
        return
    label = result.digit if choice == RIGHT else int(choice)
    try:
        store.add(owner, picture, label, predicted=result.digit, probabilities=result.probabilities,
                           model_version=version, origin=origin)
    except InputError as error:
        st.toast(str(error), icon="⚠️")
        return
    st.toast(f"Kept as a {label} in “My samples”. Thank you!", icon="✅")


STATUS_BOX = {Status.DIGIT: st.success, Status.UNSURE: st.warning, Status.NOT_DIGIT: st.warning,
              Status.SEVERAL: st.warning, Status.EMPTY: st.info}


def answer_ui(result: Recognition) -> None:
    """The answer large, its confidence, every class's probability and the model's 28x28 view."""
    metric_column, input_column = st.columns([1, 1])
    with metric_column:
        st.metric("Prediction", "—" if result.digit is None else result.digit,
                  help="The digit the model ranks first; none when it is not one digit.")
        if result.model_input is not None:
            st.metric("Confidence", f"{result.confidence:.0%}", help="Calibrated: of the answers given with 90% "
                      "confidence, about 9 in 10 are right.")
    with input_column:
        if result.model_input is not None:
            st.image(pixel_grid(result.model_input), caption="What the model sees (28x28)", width=200)
    STATUS_BOX.get(result.status, st.error)(result.message)
    for tip in result.advice:
        st.info(tip, icon="💡")
    if result.model_input is not None:
        probability_chart(result)


def probability_chart(result: Recognition) -> None:
    """One bar per answer the model can give, the most likely one highlighted."""
    table = pd.DataFrame({"answer": CLASS_NAMES, "probability": result.probabilities})
    winner = max(range(len(CLASS_NAMES)), key=lambda index: result.probabilities[index])
    table["colour"] = [WINNER_COLOUR if index == winner else OTHER_COLOUR for index in range(len(CLASS_NAMES))]
    chart = alt.Chart(table).mark_bar().encode(
        x=alt.X("answer:N", sort=None, axis=alt.Axis(labelAngle=0, labelLimit=60)),
        y=alt.Y("probability:Q", scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%")),
        color=alt.Color("colour:N", scale=None),
        tooltip=["answer", alt.Tooltip("probability:Q", format=".1%")],
    ).properties(height=200, title="Probability of each answer")
    st.altair_chart(chart, width="stretch")


def stages_ui(result: Recognition) -> None:
    """Every preprocessing step, left to right, with a short caption."""
    if len(result.stages) < 2:
        return
    st.subheader("How your picture became the model's input")
    for column, stage in zip(st.columns(len(result.stages)), result.stages, strict=True):
        with column:
            st.image(to_uint8(stage.image), caption=stage.caption, width=140)


def results_table_ui(files: list, results: list[Recognition]) -> None:
    """One row per file; broken files show their error while the rest still work."""
    table = pd.DataFrame({
        "picture": [thumbnail_data_uri(r.stages[0].image) if r.stages else None for r in results],
        "model input": [thumbnail_data_uri(r.model_input) if r.model_input is not None else None for r in results],
        "file": [file.name for file in files],
        "digit": [r.digit for r in results],
        "status": [str(r.status) for r in results],
        "confidence": [round(r.confidence, 4) for r in results],
        "message": [r.message for r in results],
    })
    st.dataframe(table, hide_index=True, width="stretch", column_config={
        "picture": st.column_config.ImageColumn("picture"),
        "model input": st.column_config.ImageColumn("model input"),
        "confidence": st.column_config.ProgressColumn("confidence", min_value=0, max_value=1, format="percent"),
    })
    export = table.drop(columns=["picture", "model input"])
    st.download_button("Download results (CSV)", export.to_csv(index=False), "digit-lens-results.csv", "text/csv")


def my_samples_ui(owner: Owner, store: Store) -> None:
    """This person's samples as a grid (delete any), zip export and import, and fine-tuning."""
    count = store.count(owner)
    where = ("only in this browser tab" + (" (sign in to keep them)" if sign_in_configured() else "")
             if owner.is_anonymous else
             "on this server" if owner == LOCAL else "with your account, for you alone")
    st.caption(f"{count} samples kept {where}, newest first. Each click on “Right” or a digit under an answer "
               "adds one.")
    pages = max(1, -(-count // SAMPLES_PER_PAGE))
    page = st.number_input(f"Page (of {pages})", 1, pages, 1) if pages > 1 else 1
    samples = store.samples(owner, SAMPLES_PER_PAGE, (page - 1) * SAMPLES_PER_PAGE, newest_first=True)
    for start in range(0, len(samples), SAMPLES_PER_ROW):
        for column, sample in zip(st.columns(SAMPLES_PER_ROW), samples[start : start + SAMPLES_PER_ROW], strict=False):
            with column:
                said = "" if sample.predicted == sample.label else (
                    " (model: none)" if sample.predicted is None else f" (model: {sample.predicted})")
                st.image(display_copy(sample.original), caption=f"{sample.label}{said}", width=90)
                st.button("Delete", key=f"delete-{sample.id}", on_click=store.delete, args=(owner, sample.id))
    export_column, import_column = st.columns(2)
    with export_column:
        # the zip is made on click, not on every rerun of the page
        st.download_button("Export all (zip of PNGs + labels.csv)", partial(store.export_zip, owner),
                           "digit-lens-samples.zip", "application/zip", disabled=not count)
    with import_column:
        import_ui(owner, store)
    fine_tune_ui(count, owner, store)


def import_ui(owner: Owner, store: Store) -> None:
    archive = st.file_uploader("Import samples (a zip exported from Digit Lens)", type=["zip"], key="import")
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
    st.rerun()


@st.fragment
def fine_tune_ui(sample_count: int, owner: Owner, store: Store) -> None:
    """Start `train.py --fine-tune` in the background and follow it; the page stays usable."""
    st.subheader("Your personal model")
    job: FineTuneJob | None = st.session_state.get("fine_tune_job")
    if job is not None and job.owner != owner:
        job = None  # someone else's job is not shown
    if job is not None and job.running:
        st.progress(job.progress(), text="Learning your handwriting… (you can keep drawing meanwhile)")
        time.sleep(1)
        st.rerun(scope="fragment")
    if job is not None and st.session_state.get("finished_job") != job.out:
        st.session_state["finished_job"] = job.out
        st.rerun()  # the whole page, so the sidebar offers the new model
    if job is not None and job.succeeded:
        before, after = job.card()["before"], job.card()["after"]
        held_out = (f"on your samples it did not train on {before['held_out_samples_accuracy']:.0%} → "
                    f"{after['held_out_samples_accuracy']:.0%}; " if after["held_out_samples_accuracy"] is not None
                    else "")
        st.success(f"Personal model ready: {held_out}MNIST test {before['mnist_test_accuracy']:.2%} → "
                   f"{after['mnist_test_accuracy']:.2%}. Choose it under “Model” in the sidebar.")
    elif job is not None:
        st.error(f"Training stopped:\n\n{job.failure()}")
    if st.button("Train my personal model", disabled=owner.is_anonymous or sample_count < MIN_SAMPLES_TO_TRAIN,
                 help="Sign in first: a personal model is kept with your account." if owner.is_anonymous else
                 f"Needs at least {MIN_SAMPLES_TO_TRAIN} samples; about a minute for 30."):
        st.session_state["fine_tune_job"] = FineTuneJob(store, owner)
        st.rerun()


main()
