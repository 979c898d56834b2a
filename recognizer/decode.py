"""The input gate: anything a user can hand us -> a uint8 image array, or a clear `InputError`.

Limits are checked before pixels are decoded (a 20,000 x 20,000 "decompression bomb" costs one
header read), formats are recognized by content, not by file name, and every Pillow mode is
reduced to grey, RGB or RGBA at 8 bits. Photos are decoded at reduced size where the codec can do
it (JPEG's DCT scaling), because the digit never needs more than ~1,000 pixels.
"""

from __future__ import annotations

import io
import math
import zlib
from pathlib import Path
from typing import IO

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError
from pillow_heif import register_heif_opener

from recognizer.errors import InputError

register_heif_opener()

MAX_FILE_BYTES = 30 * 1024 * 1024
MAX_PIXELS = 60_000_000  # a 48-megapixel phone photo passes; decompression bombs do not
Image.MAX_IMAGE_PIXELS = MAX_PIXELS  # Pillow's own bomb check then agrees with ours
MIN_SIDE = 8
DRAFT_SIDE = 1024  # JPEGs decode at the smallest DCT scale that still covers this
MAX_ASPECT_RATIO = 20
ALLOWED_FORMATS = {"JPEG", "MPO", "PNG", "WEBP", "BMP", "TIFF", "GIF", "HEIF", "AVIF"}
ACCEPTED_FILE_TYPES = ["png", "jpg", "jpeg", "webp", "bmp", "tif", "tiff", "gif", "heic", "heif"]

ImageSource = str | Path | bytes | bytearray | memoryview | IO[bytes] | Image.Image | np.ndarray
# What Pillow and its plugins raise on malformed files (the AVIF and HEIF decoders raise RuntimeError)
DECODE_ERRORS = (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError, RuntimeError)


def load_image(source: ImageSource) -> np.ndarray:
    """Decode `source` into uint8 `(H, W)` grey, `(H, W, 3)` RGB or `(H, W, 4)` RGBA.

    Accepts a file path, raw bytes, a binary file object (e.g. Streamlit's upload), a PIL image
    or a numpy array (canvas RGBA, RGB or grey; uint8, bool, uint16 or floats in [0, 1]).
    """
    if isinstance(source, np.ndarray):
        return array_to_uint8(source)
    if isinstance(source, Image.Image):
        return pil_to_array(checked_size(source))
    return pil_to_array(open_image(read_bytes(source)))


def read_bytes(source: str | Path | bytes | bytearray | memoryview | IO[bytes]) -> bytes:
    """The file's bytes, refusing empty and over-large files before reading them whole.

    A file object is read from its start, as `PIL.Image.open` does, so one that was read before
    (e.g. to show it) is not mistaken for an empty file.
    """
    if isinstance(source, str | Path):
        path = Path(source)
        if not path.is_file():
            raise InputError(f"There is no file at {path}.")
        if path.stat().st_size > MAX_FILE_BYTES:
            raise InputError(too_large_message(path.stat().st_size))
        data = path.read_bytes()
    elif isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
    elif hasattr(source, "read"):
        if getattr(source, "seekable", lambda: False)():
            source.seek(0)
        data = source.read(MAX_FILE_BYTES + 1)
        if not isinstance(data, bytes | bytearray):
            raise InputError("The file gave text, not bytes; open pictures in binary mode ('rb').")
    else:
        raise InputError(f"Cannot read an image from a {type(source).__name__}.")
    if not data:
        raise InputError("The file is empty (0 bytes).")
    if len(data) > MAX_FILE_BYTES:
        raise InputError(too_large_message(len(data)))
    return data


def too_large_message(size: int) -> str:
    megabytes = math.ceil(size / 2**20 * 10) / 10  # rounded up: a file just over 30 MB is not "30 MB"
    return (f"The file is {megabytes:.1f} MB; the limit is {MAX_FILE_BYTES / 2**20:.0f} MB. "
            "A smaller photo or a crop around the digit works just as well.")


def open_image(data: bytes) -> Image.Image:
    """Identify the format from the content and check the size from the header only.

    Pillow raises for more than twice MAX_PIXELS and only warns between once and twice; that
    range is refused by `checked_size` (warnings are not switched to errors here: the switch is
    process-wide and races between threads, which would leave a stray filter behind).
    """
    try:
        image = Image.open(io.BytesIO(data))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise InputError(too_many_pixels_message()) from error
    except DECODE_ERRORS as error:
        raise InputError("This file is not an image we can read. Please upload a PNG, JPEG, "
                         "WebP, BMP, TIFF, GIF or HEIC picture.") from error
    if image.format not in ALLOWED_FORMATS:
        raise InputError(f"{image.format} files are not supported. Please upload a PNG, JPEG, "
                         "WebP, BMP, TIFF, GIF or HEIC picture.")
    return checked_size(image)


def too_many_pixels_message() -> str:
    return f"Pictures may have at most {MAX_PIXELS / 1e6:.0f} megapixels; please send a smaller one."


def checked_size(image: Image.Image) -> Image.Image:
    check_size(*image.size)
    return image


def check_size(width: int, height: int) -> None:
    """The same limits for files, PIL images and arrays: not too many pixels, not too small,
    not a strip (which after shrinking to the working size would hold no readable digit)."""
    if width * height > MAX_PIXELS:
        raise InputError(f"The picture is {width} x {height} pixels. " + too_many_pixels_message())
    if min(width, height) < MIN_SIDE:
        raise InputError(f"The picture is only {width} x {height} pixels; a digit needs at "
                         f"least {MIN_SIDE} x {MIN_SIDE}.")
    if max(width, height) > MAX_ASPECT_RATIO * min(width, height):
        raise InputError(f"The picture is {width} x {height} pixels: too long and narrow to hold "
                         "one digit. Please crop it around the digit.")


def pil_to_array(image: Image.Image) -> np.ndarray:
    """First frame, EXIF rotation applied, JPEGs decoded near the working size, 8-bit modes."""
    try:
        image.seek(0)
        image.draft("RGB", (DRAFT_SIDE, DRAFT_SIDE))  # JPEG: decode at 1/2..1/8
        image = ImageOps.exif_transpose(image)
        image = to_8bit_mode(image)
        return np.asarray(image)
    except (*DECODE_ERRORS, Image.DecompressionBombError) as error:
        raise InputError("The picture is damaged or cut short and cannot be decoded. "
                         "Please try another copy of it.") from error


def to_8bit_mode(image: Image.Image) -> Image.Image:
    """Grey, RGB or RGBA at 8 bits per channel, keeping transparency where there is some."""
    if image.mode in ("L", "RGB", "RGBA"):
        return image
    if image.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):
        return Image.fromarray(stretched_to_uint8(np.asarray(image, dtype=np.float64)))
    return image.convert("RGBA" if image.has_transparency_data else "RGB")


def stretched_to_uint8(pixels: np.ndarray) -> np.ndarray:
    """16-bit, 32-bit or float pixels stretched to 0..255.

    NaN and infinite pixels (a float TIFF's "no data") take the median, i.e. paper, colour: one of
    them must neither blank the whole picture nor draw a mark.
    """
    finite = np.isfinite(pixels)
    if not finite.any():
        return np.zeros(pixels.shape, np.uint8)
    pixels = np.where(finite, pixels, np.median(pixels[finite]))
    low, high = pixels.min(), pixels.max()
    if high <= low:
        return np.zeros(pixels.shape, np.uint8)
    return np.round((pixels - low) / (high - low) * 255).astype(np.uint8)


def array_to_uint8(array: np.ndarray) -> np.ndarray:
    """Validate a caller's array and bring it to uint8 grey, RGB or RGBA."""
    if not array.dtype.isnative:  # e.g. big-endian uint16 from scientific files
        array = array.astype(array.dtype.newbyteorder("="))
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[..., 0]
    if not (array.ndim == 2 or (array.ndim == 3 and array.shape[2] in (3, 4))):
        raise InputError(f"An image array must be (H, W), (H, W, 3) or (H, W, 4); got shape "
                         f"{array.shape}.")
    check_size(array.shape[1], array.shape[0])
    if array.dtype == np.bool_:
        return array.astype(np.uint8) * 255
    if array.dtype == np.uint8:
        return array
    if array.dtype == np.uint16:
        return (array // 257).astype(np.uint8)
    if np.issubdtype(array.dtype, np.floating):
        if not np.isfinite(array).all():
            raise InputError("The image array contains NaN or infinite values.")
        if array.min() < 0 or array.max() > 1:
            raise InputError("A floating-point image array must hold values in [0, 1].")
        return np.round(array * 255).astype(np.uint8)
    raise InputError(f"Image arrays of type {array.dtype} are not supported; use uint8.")


def canvas_ink(deflated: bytes, width: int, height: int) -> np.ndarray:
    """A drawing canvas's picture from its compact form: the alpha channel (black ink on a
    transparent canvas lives there alone), zlib-deflated, row by row. Returned as RGBA with black
    colour, exactly the canvas's pixels, so it takes the same path as any transparent drawing.

    Inflating it costs ~0.1 ms where the browser's own PNG (adaptive filters) costs ~0.6 ms, a
    third of a drawing's whole budget. The bytes come from the browser, so nothing is trusted:
    the output is capped at the size asked for, whatever the stream claims."""
    check_size(width, height)
    expected = width * height
    inflater = zlib.decompressobj()
    try:
        alpha = inflater.decompress(deflated, expected + 1)
    except zlib.error as error:
        raise InputError(f"The drawing could not be read ({error}).") from None
    if len(alpha) != expected or not inflater.eof:
        raise InputError(f"The drawing does not hold {width} x {height} pixels.")
    picture = np.zeros((height, width, 4), np.uint8)
    picture[..., 3] = np.frombuffer(alpha, np.uint8).reshape(height, width)
    return picture
