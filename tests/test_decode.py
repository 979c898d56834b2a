"""The input gate reads every format, colour mode and kind of source a user or a caller may hand
it. Each test draws a digit, encodes it, and checks that the digit is what gets recognized: a
decoder that returns the wrong frame, drops transparency or ignores EXIF rotation fails here."""

from __future__ import annotations

import io
import tomllib
import zlib

import cv2
import numpy as np
import pytest
from PIL import Image

from recognizer import Status
from recognizer.decode import MAX_FILE_BYTES, canvas_ink, load_image
from recognizer.errors import InputError
from tests.conftest import ROOT


def seven(size: int = 200) -> np.ndarray:
    """A 7 of two thick strokes, black on white, uint8 grey."""
    paper = np.full((size, size), 255, np.uint8)
    cv2.line(paper, (size // 4, size // 5), (3 * size // 4, size // 5), 0, max(1, size // 15))
    cv2.line(paper, (3 * size // 4, size // 5), (2 * size // 5, 4 * size // 5), 0, max(1, size // 15))
    return paper


def zero(size: int = 200) -> np.ndarray:
    """A 0 (an ellipse), black on white, uint8 grey."""
    paper = np.full((size, size), 255, np.uint8)
    cv2.ellipse(paper, (size // 2, size // 2), (size // 5, size // 3), 0, 0, 360, 0, size // 15)
    return paper


def written(digit: str, size: int = 200) -> np.ndarray:
    """`digit` in a plain font, black on white, uint8 grey."""
    paper = np.full((size, size), 255, np.uint8)
    cv2.putText(paper, digit, (size * 9 // 40, size * 33 // 40), cv2.FONT_HERSHEY_SIMPLEX, size / 40, 0,
                size * 7 // 100, cv2.LINE_AA)
    return paper


def encoded(image: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def rgb(grey: np.ndarray) -> Image.Image:
    return Image.fromarray(grey).convert("RGB")


def ink_only_in_alpha(grey: np.ndarray) -> np.ndarray:
    """RGBA as a drawing canvas stores it: colour all black, the strokes only in the alpha channel."""
    return np.dstack([np.zeros((*grey.shape, 3), np.uint8), 255 - grey])


def with_no_data_pixels(grey: np.ndarray) -> Image.Image:
    """A float32 ('F') picture in which a few pixels are NaN or infinite, as scientific TIFFs mark gaps."""
    pixels = grey.astype(np.float32) / 255
    pixels[0, :5], pixels[-1, -5:] = np.nan, np.inf
    return Image.fromarray(pixels)


FORMATS = {
    "PNG grey": lambda: encoded(Image.fromarray(seven()), "PNG"),
    "PNG RGB": lambda: encoded(rgb(seven()), "PNG"),
    "PNG RGBA, ink opaque on transparent paper": lambda: encoded(Image.fromarray(ink_only_in_alpha(seven())), "PNG"),
    "PNG grey + alpha": lambda: encoded(Image.fromarray(seven()).convert("LA"), "PNG"),
    "PNG palette": lambda: encoded(rgb(seven()).convert("P"), "PNG"),
    "PNG palette, paper colour transparent": lambda: encoded(
        Image.fromarray(seven()).convert("P"), "PNG", transparency=255),
    "PNG 16-bit grey (I;16)": lambda: encoded(Image.fromarray(seven().astype(np.uint16) * 257), "PNG"),
    "PNG 1-bit": lambda: encoded(Image.fromarray(seven()).convert("1"), "PNG"),
    "APNG (first frame counts)": lambda: encoded(rgb(seven()), "PNG", save_all=True, append_images=[rgb(zero())]),
    "JPEG": lambda: encoded(rgb(seven()), "JPEG"),
    "JPEG grey": lambda: encoded(Image.fromarray(seven()), "JPEG"),
    "JPEG progressive": lambda: encoded(rgb(seven()), "JPEG", progressive=True, quality=60),
    "JPEG CMYK": lambda: encoded(rgb(seven()).convert("CMYK"), "JPEG"),
    "WebP lossy": lambda: encoded(rgb(seven()), "WEBP"),
    "WebP lossless with alpha": lambda: encoded(Image.fromarray(ink_only_in_alpha(seven())), "WEBP", lossless=True),
    "BMP": lambda: encoded(rgb(seven()), "BMP"),
    "TIFF": lambda: encoded(rgb(seven()), "TIFF"),
    "TIFF LZW 16-bit grey": lambda: encoded(Image.fromarray(seven().astype(np.uint16) * 257), "TIFF",
                                            compression="tiff_lzw"),
    "TIFF float with NaN and inf pixels": lambda: encoded(with_no_data_pixels(seven()), "TIFF"),
    "GIF animated (first frame counts)": lambda: encoded(rgb(seven()), "GIF", save_all=True,
                                                         append_images=[rgb(zero())]),
    "HEIC": lambda: encoded(rgb(seven()), "HEIF"),
    "AVIF": lambda: encoded(rgb(seven()), "AVIF"),
}


@pytest.mark.parametrize("case", FORMATS)
def test_every_format_and_mode_decodes_to_the_drawn_digit(recognizer, case):
    data = FORMATS[case]()
    array = load_image(data)
    assert array.dtype == np.uint8 and (array.ndim == 2 or array.shape[2] in (3, 4))
    result = recognizer.recognize(data)
    assert (result.status, result.digit) == (Status.DIGIT, 7)


def test_the_second_gif_frame_is_really_another_digit(recognizer):
    """Guards the animated-file cases above: they only prove 'first frame' if frame 2 reads otherwise."""
    assert recognizer.recognize(encoded(rgb(zero()), "GIF")).digit == 0


EXIF_ORIENTATION = 0x0112
STORED_AS = {  # EXIF orientation -> how the camera stored an upright scene (what a viewer must undo)
    6: Image.Transpose.ROTATE_90,
    8: Image.Transpose.ROTATE_270,
    3: Image.Transpose.ROTATE_180,
}


@pytest.mark.parametrize(("fmt", "orientation", "digit"), [
    ("JPEG", 6, "3"), ("JPEG", 8, "3"), ("JPEG", 3, "9"), ("PNG", 6, "3"), ("WEBP", 8, "3"), ("TIFF", 3, "9")])
def test_exif_orientation_is_applied(recognizer, fmt, orientation, digit):
    """Phones store portrait photos sideways plus an EXIF note; a 3 read sideways is a 7 or a 4, and a 9
    upside down is a 6, so only a decoder that obeys the note gets these right."""
    stored = rgb(written(digit)).transpose(STORED_AS[orientation])
    exif = Image.Exif()
    exif[EXIF_ORIENTATION] = orientation
    obeyed = recognizer.recognize(encoded(stored, fmt, exif=exif))
    ignored = recognizer.recognize(encoded(stored, fmt))
    assert (obeyed.status, obeyed.digit) == (Status.DIGIT, int(digit))
    assert ignored.digit != int(digit)  # the stored pixels alone really read as another digit


def file_object_read_to_the_end(data: bytes) -> io.BytesIO:
    stream = io.BytesIO(data)
    stream.read()  # e.g. an upload that was read once already, to show it
    return stream


def big_endian(array: np.ndarray) -> np.ndarray:
    return array.astype(array.dtype.newbyteorder(">"))


PNG_SEVEN = encoded(Image.fromarray(seven()), "PNG")
SOURCES = {
    "path": lambda path: path,
    "str path": lambda path: str(path),
    "bytes": lambda path: PNG_SEVEN,
    "bytearray": lambda path: bytearray(PNG_SEVEN),
    "memoryview": lambda path: memoryview(PNG_SEVEN),
    "BytesIO": lambda path: io.BytesIO(PNG_SEVEN),
    "BytesIO already read to the end": lambda path: file_object_read_to_the_end(PNG_SEVEN),
    "open file": lambda path: path.open("rb"),
    "PIL image": lambda path: Image.open(path),
    "PIL image in memory, mode I;16": lambda path: Image.fromarray(seven().astype(np.uint16) * 257),
    "array uint8 grey": lambda path: seven(),
    "array uint8 (H, W, 1)": lambda path: seven()[..., None],
    "array uint8 RGB": lambda path: np.dstack([seven()] * 3),
    "array uint8 RGBA opaque": lambda path: np.dstack([seven()] * 3 + [np.full((200, 200), 255, np.uint8)]),
    "array uint8 RGBA canvas, ink in alpha": lambda path: ink_only_in_alpha(seven()),
    "array RGB view of an RGBA array (not contiguous)": lambda path: np.dstack([seven()] * 4)[..., :3],
    "array Fortran-ordered RGB": lambda path: np.asfortranarray(np.dstack([seven()] * 3)),
    "array bool, True = paper": lambda path: seven() > 127,
    "array bool, True = ink": lambda path: seven() < 128,
    "array float32 in [0, 1]": lambda path: seven().astype(np.float32) / 255,
    "array float64 RGB in [0, 1]": lambda path: np.dstack([seven()] * 3) / 255.0,
    "array uint16": lambda path: seven().astype(np.uint16) * 257,
    "array uint16 big-endian": lambda path: big_endian(seven().astype(np.uint16) * 257),
}


@pytest.mark.parametrize("case", SOURCES)
def test_every_kind_of_source_is_read(recognizer, tmp_path, case):
    path = tmp_path / "seven.png"
    path.write_bytes(PNG_SEVEN)
    result = recognizer.recognize(SOURCES[case](path))
    assert (result.status, result.digit) == (Status.DIGIT, 7)


def test_an_array_is_passed_through_unchanged_when_already_uint8():
    """The canvas sends uint8 RGBA many times a second: no copy, no conversion, no surprise."""
    canvas = ink_only_in_alpha(seven())
    assert load_image(canvas) is canvas


def test_streamlit_lets_files_over_our_limit_reach_the_page():
    """Streamlit refuses bigger uploads in the browser with a bare red "!" (its limit in MB of
    2**20 bytes): it must let files somewhat over ours through, so the page can say why."""
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["maxUploadSize"] * 2**20 >= 3 * MAX_FILE_BYTES
    assert config["browser"]["gatherUsageStats"] is False


def test_a_canvas_picture_is_its_alpha_channel_inflated_as_rgba():
    alpha = np.zeros((280, 280), np.uint8)
    alpha[40:240, 130:150] = 255
    picture = canvas_ink(zlib.compress(alpha.tobytes()), 280, 280)
    assert picture.shape == (280, 280, 4) and np.array_equal(picture[..., 3], alpha) and not picture[..., :3].any()


@pytest.mark.parametrize(("deflated", "size", "says"), [
    (zlib.compress(bytes(280 * 279)), (280, 280), "does not hold 280 x 280"),  # too short
    (zlib.compress(bytes(280 * 281)), (280, 280), "does not hold 280 x 280"),  # too long
    (zlib.compress(bytes(50_000_000)), (280, 280), "does not hold 280 x 280"),  # a bomb: stops at the size asked
    (zlib.compress(bytes(280 * 280))[:-8], (280, 280), "does not hold 280 x 280"),  # cut off
    (b"not deflated", (280, 280), "could not be read"),
    (zlib.compress(bytes(4)), (2, 2), "only 2 x 2 pixels"),
])
def test_a_broken_canvas_picture_is_a_clear_input_error(deflated, size, says):
    with pytest.raises(InputError, match=says):
        canvas_ink(deflated, *size)
