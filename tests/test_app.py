"""The Streamlit page through AppTest: upload path and every state (empty, digit, unsure, error)."""

from __future__ import annotations

import html
import io
import re
from collections.abc import Iterator

import cv2
import numpy as np
import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

from recognizer import Status
from recognizer.model import CLASS_NAMES
from recognizer.store.owners import LOCAL
from recognizer.store.sqlite_store import SQLiteStore
from tests.conftest import ROOT
from tests.number_pictures import number_of, spaced
from tests.number_pictures import written as written_line


def png(picture: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(picture).save(buffer, format="PNG")
    return buffer.getvalue()


def chart(app) -> dict[str, int]:
    """The probability chart on the page, {answer: percent shown}; empty when there is none."""
    bodies = [element.proto.body for element in app.get("html") if 'class="probabilities"' in element.proto.body]
    rows = re.findall(r'<span class="answer[^"]*">([^<]+)</span>.*?<span class="value[^"]*">(\d+)%</span>',
                      "".join(bodies[-1:]))
    return {html.unescape(answer): int(percent) for answer, percent in rows}


def written(digit: int, thickness: int = 16) -> np.ndarray:
    picture = np.full((300, 300), 255, np.uint8)
    cv2.putText(picture, str(digit), (80, 230), cv2.FONT_HERSHEY_SIMPLEX, 7, 0, thickness, cv2.LINE_AA)
    return picture


def ambiguous(recognizer) -> np.ndarray:
    """A digit written over another, faintly: the first such blend the model is unsure about."""
    for first in range(10):
        for second in range(10):
            blend = np.minimum(written(first), 255 - (255 - written(second)) // 2 * 2 // 3)
            if recognizer.recognize(blend).status == Status.UNSURE:
                return blend
    pytest.fail("no blend of two digits leaves the model unsure")


def served_on(address: str, data_dir, monkeypatch) -> Iterator[None]:
    """A server bound to `address`, with its own empty samples folder (the store is cached per
    process: cleared); the address goes back afterwards."""
    import streamlit as st
    from streamlit import config

    monkeypatch.setenv("DIGIT_LENS_DATA_DIR", str(data_dir))
    monkeypatch.delenv("DIGIT_LENS_DATABASE_URL", raising=False)
    before = config.get_option("server.address")
    config.set_option("server.address", address)
    st.cache_resource.clear()
    yield
    config.set_option("server.address", before)


@pytest.fixture
def local_server(tmp_path, monkeypatch) -> Iterator[None]:
    """A server bound to localhost without sign-in (the project's config)."""
    yield from served_on("localhost", tmp_path, monkeypatch)


@pytest.fixture
def app(local_server) -> AppTest:
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()


def local_samples(folder) -> SQLiteStore:
    return SQLiteStore(folder / "samples.sqlite3")


def letter(text: str = "W") -> np.ndarray:
    """A letter in a font the model never saw (Pillow's bundled one), dark on white."""
    from PIL import ImageDraw, ImageFont

    picture = Image.new("L", (300, 300), 255)
    ImageDraw.Draw(picture).text((150, 150), text, fill=0, font=ImageFont.load_default(200), anchor="mm")
    return np.asarray(picture)


def upload(app: AppTest, *files: tuple[str, bytes]) -> AppTest:
    app.get("file_uploader")[0].set_value([(name, data, "image/png") for name, data in files]).run()
    assert not app.exception
    return app


def prediction(app: AppTest) -> str:
    return next(metric.value for metric in app.metric if metric.label == "Prediction")


def test_page_starts_with_prompts_and_no_answer(app):
    assert not app.exception
    assert any("Upload one or more" in info.value for info in app.info)
    assert not [m for m in app.metric if m.label == "Prediction"]


def test_uploaded_digit_shows_answer_confidence_chart_and_stages(app):
    upload(app, ("seven.png", png(written(7))))
    assert prediction(app) == "7"
    assert any("It is a 7" in message.value for message in app.success)
    assert any(m.label == "Confidence" for m in app.metric)
    bars = chart(app)
    assert list(bars) == list(CLASS_NAMES), "one bar per answer the model can give"
    assert max(bars, key=bars.get) == "7" and 98 <= sum(bars.values()) <= 102
    captions = [image.captions for image in app.get("image")]
    assert ["Your picture"] in captions and ["What the model sees (28x28)"] in captions
    strip = next(c for c in captions if c[0].startswith("1. "))  # the steps, in order, as one element
    assert [c.split(".")[0] for c in strip] == [str(n) for n in range(1, len(strip) + 1)] and len(strip) >= 6


def test_blank_upload_says_so_without_a_chart(app):
    upload(app, ("blank.png", png(np.full((200, 200), 255, np.uint8))))
    assert prediction(app) == "—"
    assert any("blank" in info.value for info in app.info)
    assert not chart(app)


def test_unsure_answer_names_the_top_two(app, recognizer):
    upload(app, ("unsure.png", png(ambiguous(recognizer))))
    assert any(warning.value.startswith("Not sure: maybe a") and " or a " in warning.value for warning in app.warning)


def test_broken_upload_shows_a_friendly_error(app):
    upload(app, ("photo.png", b"%PDF-1.5 this is a document"))
    assert any("not an image" in error.value for error in app.error)


def test_upload_over_the_size_limit_is_explained_in_words(app):
    """A 31 MB file passes Streamlit's own limit and is turned away by the page, saying why."""
    upload(app, ("camera-raw.png", b"\x89PNG\r\n\x1a\n" + bytes(31 * 2**20)))
    assert any("the limit is 30 MB" in error.value for error in app.error)


def test_many_files_give_a_table_with_errors_and_safe_names(app):
    hostile_name = "<img src=x onerror=alert(1)>.png"
    upload(app, ("one.png", png(written(1))), ("broken.png", b"nope"), (hostile_name, png(written(4))))
    table = app.dataframe[0].value
    assert list(table["file"]) == ["one.png", "broken.png", hostile_name]  # shown as text, not HTML
    assert [answer.split(" (")[0] for answer in table["answer"]] == ["1", "could not be read", "4"]
    assert "None" not in table.astype(str).to_numpy().ravel().tolist()
    assert app.get("download_button"), "the CSV download is missing"


def test_each_of_many_files_opens_to_its_full_view(app):
    upload(app, ("one.png", png(written(1))), ("broken.png", b"nope"), ("four.png", png(written(4))))
    assert prediction(app) == "1"  # the first picture is open
    app.selectbox(key="upload-chosen").set_value(2).run()
    assert not app.exception
    assert prediction(app) == "4"
    percent = app.dataframe[0].value["answer"][2].split("(")[1].rstrip(")")
    assert any(f"({percent} sure)" in message.value for message in app.success), "the row and the message agree"
    assert chart(app) and digit_buttons(app)
    assert any("Centred in 28x28" in caption for image in app.get("image") for caption in image.captions)
    app.selectbox(key="upload-chosen").set_value(1).run()
    assert any("not an image" in error.value for error in app.error)
    assert not [m for m in app.metric if m.label == "Prediction"]


def test_a_letter_is_not_called_a_digit(app):
    upload(app, ("letter.png", png(letter())))
    assert prediction(app) == "—"
    assert any("does not look like a digit" in warning.value for warning in app.warning)
    assert chart(app), "the chart shows how sure the model is that it is not a digit"


def test_two_digits_side_by_side_are_called_several(app):
    upload(app, ("pair.png", png(np.hstack([written(3), written(8)]))))
    assert prediction(app) == "—"
    assert any("several digits" in warning.value for warning in app.warning)


def digit_buttons(app: AppTest) -> dict[int, object]:
    return {int(b.label): b for b in app.button if (b.key or "").startswith("label-")}


def test_all_ten_digits_are_offered_with_the_answer_highlighted(app):
    upload(app, ("seven.png", png(written(7))))
    buttons = digit_buttons(app)
    assert sorted(buttons) == list(range(10))
    assert [d for d, b in buttons.items() if b.proto.type == "primary"] == [7]


def test_a_correction_is_kept_shown_and_deletable(app, tmp_path):
    upload(app, ("seven.png", png(written(7))))
    digit_buttons(app)[1].click().run()
    assert not app.exception
    [sample] = local_samples(tmp_path).samples(LOCAL)
    assert (sample.label, sample.predicted, sample.source) == (1, 7, "upload")
    assert sample.model_version.startswith("digits@")
    assert any("Kept as a 1" in message.value for message in app.success)
    assert [d for d, b in digit_buttons(app).items() if b.proto.type == "primary"] == [1]
    assert "1 (model: 7)" in [caption for image in app.get("image") for caption in image.captions]  # My samples
    app.button(key=f"delete-{sample.id}").click().run()
    assert local_samples(tmp_path).count(LOCAL) == 0
    app.button(key="undo-delete").click().run()
    [restored] = local_samples(tmp_path).samples(LOCAL)
    assert (restored.label, restored.predicted, restored.source) == (1, 7, "upload")


def test_a_picture_is_kept_once_however_often_it_is_labelled(app, tmp_path):
    upload(app, ("four.png", png(written(4))))
    for digit in (4, 4, 9, 4):
        digit_buttons(app)[digit].click().run()
        assert not app.exception
    assert [s.label for s in local_samples(tmp_path).samples(LOCAL)] == [4]


def test_no_confidence_is_shown_without_a_digit(app):
    upload(app, ("letter.png", png(letter())))
    assert prediction(app) == "—"
    assert not [m for m in app.metric if m.label == "Confidence"]


def test_a_file_of_any_type_reaches_the_gate_and_is_explained(app):
    upload(app, ("notes.pdf", b"%PDF-1.5 this is a document"))
    assert any("not an image" in error.value for error in app.error)


def test_no_server_path_is_shown(app, tmp_path):
    shown = [element.value for element in [*app.caption, *app.markdown, *app.info]]
    assert not [text for text in shown if str(tmp_path) in str(text)]


def test_personal_models_have_readable_names(tmp_path, local_server):
    model = tmp_path / "digits-personal-20261127-113005.keras"
    model.touch()
    local_samples(tmp_path).keep_personal_model(LOCAL, model)
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    assert app.selectbox(key="model_choice").options == ["Shipped model", "Personal model, 27 Nov 11:30 UTC"]


def test_the_model_choice_is_offered_once_there_is_a_personal_model(app):
    """A menu of one is no choice: without personal models the sidebar says which model reads."""
    assert not app.get("selectbox")
    assert any("Model: the shipped one" in caption.value for caption in app.sidebar.caption)


def test_the_camera_is_asked_for_only_once_turned_on(app):
    """A camera element asks the browser for the camera when it is on the page (even in a hidden
    tab): someone who came to draw must not be asked. Turned on, it stays on until turned off."""
    assert not app.get("camera_input")
    app.button(key="camera-on").click().run()
    assert len(app.get("camera_input")) == 1
    app.button(key="camera-off").click().run()
    assert not app.get("camera_input") and app.button(key="camera-on")


def test_samples_zip_can_be_imported_and_training_needs_enough_samples(app, tmp_path):
    source = SQLiteStore(tmp_path / "elsewhere.sqlite3")
    for digit in (2, 3):
        source.add(LOCAL, written(digit), digit)
    app.get("file_uploader")[1].set_value([("mine.zip", source.export_zip(LOCAL), "application/zip")]).run()
    assert not app.exception
    assert local_samples(tmp_path).count(LOCAL) == 2
    train_button = next(b for b in app.button if b.label == "Train my personal model")
    assert train_button.disabled  # 2 < MIN_SAMPLES_TO_TRAIN


def test_my_samples_are_shown_a_page_at_a_time(tmp_path, local_server):
    store = local_samples(tmp_path)
    picture = written(5)
    ids = [store.add(LOCAL, picture, 5) for _ in range(50)]
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()

    def shown() -> list[str]:
        return [b.key for b in app.button if (b.key or "").startswith("delete-")]

    assert len(shown()) == 48 and shown()[0] == f"delete-{ids[-1]}"  # newest first
    app.number_input[0].set_value(2).run()
    assert not app.exception
    assert shown() == [f"delete-{ids[1]}", f"delete-{ids[0]}"]


@pytest.fixture
def year(clear_digits) -> tuple[bytes, np.ndarray]:
    """A picture of 2024 written with MNIST test digits the model reads clearly, and its pixels."""
    picture = written_line(spaced(number_of(clear_digits, "2024", np.random.default_rng(30)), 20))
    return png(picture), picture


def number_metric(app: AppTest) -> str:
    return next(m.value for m in app.metric if m.label == "Number")


def test_number_mode_boxes_each_digit_and_shows_what_the_model_saw(app, year):
    app.radio(key="mode").set_value("Number").run()
    upload(app, ("year.png", year[0]))
    assert number_metric(app) == "2024"
    assert any("It reads 2024" in message.value for message in app.success)
    boxed = next(image for image in app.get("image") if any("a box round each digit" in c for c in image.captions))
    assert boxed, "the picture with boxes is missing"
    row = [c for image in app.get("image") for c in image.captions if c[:2] in ("1:", "2:", "3:", "4:")]
    assert [c.split(" ")[1] for c in row] == ["2", "0", "2", "4"]  # each input with its answer and confidence
    assert chart(app), "the chosen digit's chart is missing"
    app.radio(key="number-digit-upload").set_value(3).run()
    assert not app.exception
    assert prediction(app) == "4"
    assert any("Centred in 28x28" in caption for image in app.get("image") for caption in image.captions)


def test_several_digits_offer_to_read_them_as_a_number(app, year):
    upload(app, ("year.png", year[0]))
    assert prediction(app) == "—" and any("several digits" in w.value for w in app.warning)
    app.button(key="as-number-upload").click().run()
    assert not app.exception
    assert app.radio(key="mode").value == "Number"
    assert number_metric(app) == "2024"


def test_a_digit_of_a_number_is_corrected_as_a_single_digit_sample(app, year, tmp_path, recognizer):
    app.radio(key="mode").set_value("Number").run()
    upload(app, ("year.png", year[0]))
    app.radio(key="number-digit-upload").set_value(1).run()
    digit_buttons(app)[8].click().run()
    assert not app.exception
    [sample] = local_samples(tmp_path).samples(LOCAL)
    assert (sample.label, sample.predicted, sample.source) == (8, 0, "upload")
    assert recognizer.recognize(sample.original).digit == 0  # the sample holds that one digit, not the number
    assert any("Kept as a 8" in message.value for message in app.success)


def test_a_broken_file_in_number_mode_is_explained(app):
    app.radio(key="mode").set_value("Number").run()
    upload(app, ("notes.png", b"%PDF-1.5 this is a document"))
    assert any("not an image" in error.value for error in app.error)


def test_several_numbers_uploaded_give_a_table_and_each_opens(app, year, clear_digits):
    """Number mode with many files reads them all: one table row each (a broken file says so),
    and any one opens to its boxes, digits and corrections."""
    other = png(written_line(spaced(number_of(clear_digits, "317", np.random.default_rng(31)), 20)))
    app.radio(key="mode").set_value("Number").run()
    upload(app, ("year.png", year[0]), ("broken.png", b"nope"), ("room.png", other))
    table = app.dataframe[0].value
    assert list(table["file"]) == ["year.png", "broken.png", "room.png"]
    assert [answer.split(" (")[0] for answer in table["answer"]] == ["2024", "could not be read", "317"]
    assert number_metric(app) == "2024"
    app.selectbox(key="number-chosen").set_value(2).run()
    assert not app.exception
    assert number_metric(app) == "317"
