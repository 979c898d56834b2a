"""Digit Lens: draw, upload or photograph a digit and see exactly what the model sees.

Layout only: every picture and number shown comes from `recognizer`.
"""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st
from streamlit_drawable_canvas import st_canvas

from recognizer import InputError, Recognition, Recognizer, Status
from recognizer.decode import ACCEPTED_FILE_TYPES
from recognizer.display import pixel_grid, thumbnail_data_uri, to_uint8

CANVAS_SIDE = 280
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
def load_recognizer() -> Recognizer:
    """One model per server process, shared by every session (it is thread-safe)."""
    return Recognizer.load()


def main() -> None:
    st.set_page_config(page_title="Digit Lens", page_icon="🔢", layout="wide")
    st.title("Digit Lens")
    st.caption("Handwritten digit recognition that shows what the model sees.")
    with st.expander("About: why MNIST models fail on real pictures"):
        st.markdown(ABOUT)
    recognizer = load_recognizer()
    draw, upload, camera = st.tabs(
        [":material/draw: Draw", ":material/upload: Upload", ":material/photo_camera: Camera"])
    with draw:
        draw_ui(recognizer)
    with upload:
        upload_ui(recognizer)
    with camera:
        camera_ui(recognizer)


@st.fragment
def draw_ui(recognizer: Recognizer) -> None:
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
    stages_ui(result)


def upload_ui(recognizer: Recognizer) -> None:
    files = st.file_uploader("Pictures of digits (one digit per picture)", type=ACCEPTED_FILE_TYPES,
                             accept_multiple_files=True)
    if not files:
        st.info("Upload one or more photos, scans or drawings of a single digit each.")
    elif len(files) == 1:
        single_picture_ui(recognizer, files[0].getvalue())
    else:
        results_table_ui(files, recognizer.recognize_many([file.getvalue() for file in files]))


def camera_ui(recognizer: Recognizer) -> None:
    photo = st.camera_input("Hold one handwritten digit up to the camera")
    if photo is not None:
        single_picture_ui(recognizer, photo.getvalue())


def single_picture_ui(recognizer: Recognizer, data: bytes) -> None:
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
    stages_ui(result)


def answer_ui(result: Recognition) -> None:
    """The answer large, its confidence, the 10 probabilities and the model's 28x28 view."""
    has_answer = result.status in (Status.DIGIT, Status.UNSURE)
    metric_column, input_column = st.columns([1, 1])
    with metric_column:
        st.metric("Prediction", result.digit if has_answer else "—",
                  help="The digit the model ranks first.")
        if has_answer:
            st.metric("Confidence", f"{result.confidence:.0%}")
    with input_column:
        if result.model_input is not None:
            st.image(pixel_grid(result.model_input), caption="What the model sees (28x28)", width=200)
    {Status.DIGIT: st.success, Status.UNSURE: st.warning, Status.EMPTY: st.info}.get(result.status, st.error)(
        result.message)
    for tip in result.advice:
        st.info(tip, icon="💡")
    if has_answer:
        probability_chart(result)


def probability_chart(result: Recognition) -> None:
    table = pd.DataFrame({"digit": [str(d) for d in range(10)], "probability": result.probabilities})
    table["colour"] = [WINNER_COLOUR if d == result.digit else OTHER_COLOUR for d in range(10)]
    chart = alt.Chart(table).mark_bar().encode(
        x=alt.X("digit:N", sort=None, axis=alt.Axis(labelAngle=0)),
        y=alt.Y("probability:Q", scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%")),
        color=alt.Color("colour:N", scale=None),
        tooltip=["digit", alt.Tooltip("probability:Q", format=".1%")],
    ).properties(height=200, title="Probability of each digit")
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


main()
