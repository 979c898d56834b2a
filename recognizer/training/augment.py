"""Training-time augmentation that imitates how real digits differ from MNIST.

Our preprocessing normalizes size and position, but never perfectly: people slant, rotate and
squash digits, and pens are thinner or thicker than MNIST's. Each MNIST training digit is
therefore randomly rotated, scaled, sheared, shifted, thinned or thickened, and blurred.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import cv2
import numpy as np


@dataclass(frozen=True)
class Augmentation:
    """Ranges of the random changes; recorded as-is in the model card."""

    max_rotation_deg: float = 12.0
    scale_range: tuple[float, float] = (0.85, 1.12)
    max_shear: float = 0.2
    max_shift_px: float = 2.0
    thickness_change_prob: float = 0.25
    blur_prob: float = 0.15

    def describe(self) -> dict:
        return asdict(self)

    def apply(self, images: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """`(N, 28, 28)` uint8 white-on-black -> augmented copy, same shape and dtype."""
        return np.stack([self._one(image, rng) for image in images])

    def _one(self, image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        image = cv2.warpAffine(image, self._random_affine(rng), (28, 28), flags=cv2.INTER_LINEAR)
        if rng.random() < self.thickness_change_prob:
            kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2, 2))
            image = cv2.dilate(image, kernel) if rng.random() < 0.7 else cv2.erode(image, kernel)
        if rng.random() < self.blur_prob:
            image = cv2.GaussianBlur(image, (3, 3), rng.uniform(0.4, 0.8))
        return image

    def _random_affine(self, rng: np.random.Generator) -> np.ndarray:
        """Rotation, scale and shear about the image centre, then a shift, as a 2x3 matrix."""
        angle = np.deg2rad(rng.uniform(-self.max_rotation_deg, self.max_rotation_deg))
        scale = rng.uniform(*self.scale_range)
        shear = rng.uniform(-self.max_shear, self.max_shear)
        cos, sin = np.cos(angle) * scale, np.sin(angle) * scale
        linear = np.array([[cos, -sin], [sin, cos]]) @ np.array([[1.0, shear], [0.0, 1.0]])
        centre = np.array([13.5, 13.5])
        shift = rng.uniform(-self.max_shift_px, self.max_shift_px, size=2)
        offset = centre - linear @ centre + shift
        return np.hstack([linear, offset[:, None]]).astype(np.float32)
