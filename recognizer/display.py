"""Pictures for people: stage images as 8-bit, the model input as a pixel grid, thumbnails.

The app shows these; keeping the conversions here leaves `app.py` free of image math.
"""

from __future__ import annotations

import base64
import io

import cv2
import numpy as np
from PIL import Image

GRID_COLOUR = 70  # grey lines between enlarged pixels: visible on black and on white


def to_uint8(image: np.ndarray) -> np.ndarray:
    """float [0, 1] or uint8 image -> uint8, for display."""
    if image.dtype == np.uint8:
        return image
    return (np.clip(image, 0, 1) * 255).round().astype(np.uint8)


def pixel_grid(model_input: np.ndarray, cell: int = 12) -> np.ndarray:
    """The 28x28 model input enlarged `cell` times without smoothing, with a 1-pixel grid,
    so every one of the 784 numbers the model sees is a visible square."""
    big = cv2.resize(to_uint8(model_input), None, fx=cell, fy=cell, interpolation=cv2.INTER_NEAREST)
    big[::cell, :] = GRID_COLOUR
    big[:, ::cell] = GRID_COLOUR
    return big


def thumbnail_data_uri(image: np.ndarray, side: int = 64) -> str:
    """A small PNG as a data: URI, for image columns in tables."""
    picture = Image.fromarray(to_uint8(image))
    picture.thumbnail((side, side))
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def square_tile(image: np.ndarray, side: int) -> np.ndarray:
    """Any stage image (grey or colour, uint8 or float) letterboxed onto a black `side` x `side`
    square, aspect ratio kept: a strip of tiles then lines up, whatever each stage's shape.

    `side` is the width the tile is shown at: Streamlit would shrink a larger picture to it
    anyway, by decoding, resizing (bilinear, blurrier than the area average here) and
    encoding it again, on every answer."""
    picture = to_uint8(image)
    height, width = picture.shape[:2]
    scale = side / max(height, width)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    fitted = cv2.resize(picture, size, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_NEAREST)
    tile = np.zeros((side, side, *picture.shape[2:]), np.uint8)
    top, left = (side - size[1]) // 2, (side - size[0]) // 2
    tile[top : top + size[1], left : left + size[0]] = fitted
    return tile


BOX_COLOURS = {"digit": (22, 128, 61), "unsure": (194, 65, 12)}  # anything else (no digit): red
NO_DIGIT_COLOUR = (185, 28, 28)


def boxes_on_picture(picture: np.ndarray, boxes: list[tuple[int, int, int, int]], labels: list[str],
                     statuses: list[str]) -> np.ndarray:
    """The picture (uint8 grey, RGB or RGBA as shown) in RGB with a box round each digit and what
    was read above it, green when sure, orange when not, red for a mark that is no digit.
    Lines and letters grow with the picture so they read the same at any size."""
    shown = picture[..., :3] if picture.ndim == 3 else cv2.cvtColor(picture, cv2.COLOR_GRAY2RGB)
    shown = np.ascontiguousarray(shown)
    thickness = max(2, round(max(shown.shape[:2]) / 300))
    for (x, y, w, h), label, status in zip(boxes, labels, statuses, strict=True):
        colour = BOX_COLOURS.get(status, NO_DIGIT_COLOUR)
        cv2.rectangle(shown, (x, y), (x + w, y + h), colour, thickness)
        scale = max(0.5, h / 90)
        (text_width, text_height), _ = cv2.getTextSize(label, cv2.FONT_HERSHEY_SIMPLEX, scale, thickness)
        top = max(y - text_height - 2 * thickness, 0)
        cv2.rectangle(shown, (x, top), (x + text_width + 2 * thickness, top + text_height + 2 * thickness), colour, -1)
        cv2.putText(shown, label, (x + thickness, top + text_height + thickness), cv2.FONT_HERSHEY_SIMPLEX, scale,
                    (255, 255, 255), thickness, cv2.LINE_AA)
    return shown
