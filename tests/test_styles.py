"""Flagged 1s: MNIST's 1s rewritten the way much of the world writes them."""

from __future__ import annotations

import numpy as np

from recognizer.styles import FLAG_SLANT_DEG, continental_one, continental_ones


def upright_one() -> np.ndarray:
    one = np.zeros((28, 28), np.uint8)
    one[4:24, 13:16] = 255
    return one


def ink_of(picture: np.ndarray) -> np.ndarray:
    return picture < 128


def test_the_flag_slants_down_to_the_left_from_the_top_of_the_stem():
    for seed in range(20):
        ink = ink_of(continental_one(upright_one(), np.random.default_rng(seed)))
        rows, cols = np.nonzero(ink)
        stem = np.median(cols[rows > (rows.min() + rows.max()) / 2])  # the lower half is stem (and foot)
        flag_rows, flag_cols = rows[cols < stem - 12], cols[cols < stem - 12]
        upper = flag_rows < rows.min() + 0.7 * (rows.max() - rows.min())
        tip = np.argmin(np.where(upper, flag_cols, 10**6))  # leftmost ink of the flag
        drop, run = flag_rows[tip] - rows.min(), stem - flag_cols[tip]
        slant = np.rad2deg(np.arctan2(drop, run))
        assert FLAG_SLANT_DEG[0] - 8 <= slant <= FLAG_SLANT_DEG[1] + 8, (seed, slant)  # never a level 7-bar


def test_the_stem_is_kept():
    one = upright_one()
    plain_rng, styled_rng = np.random.default_rng(3), np.random.default_rng(3)
    from recognizer.synthetic import draw_on_paper

    plain = ink_of(draw_on_paper(one, plain_rng))
    styled = ink_of(continental_one(one, styled_rng))
    assert (plain & ~styled).sum() == 0 and styled.sum() > plain.sum() * 1.15


def test_continental_ones_are_mnist_like_model_inputs(mnist):
    images = continental_ones(mnist.x_train[mnist.y_train == 1][:50], 30, seed=1)
    assert images.dtype == np.uint8 and images.shape == (30, 28, 28)
    assert images[:, [0, -1], :].max() == 0 and images[:, :, [0, -1]].max() == 0
    np.testing.assert_array_equal(images, continental_ones(mnist.x_train[mnist.y_train == 1][:50], 30, seed=1))
