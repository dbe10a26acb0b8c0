"""Board symmetries as index permutations (used for augmentation and checks).

A symmetry k maps flat cell i (row-major on an H x W board) to cell perms[k, i].
"""

from __future__ import annotations

import numpy as np


def dihedral_perms(height: int, width: int) -> np.ndarray:
    """int64[K, H*W]: the 8 dihedral symmetries of a square board (K=8), or the
    4 of a rectangle (identity, flips, 180° turn; K=4). Row 0 is the identity."""
    grid = np.arange(height * width, dtype=np.int64).reshape(height, width)
    images = [grid, grid[:, ::-1], grid[::-1, :], grid[::-1, ::-1]]
    if height == width:
        t = grid.T
        images += [t, t[:, ::-1], t[::-1, :], t[::-1, ::-1]]
    perms = np.empty((len(images), height * width), dtype=np.int64)
    for k, image in enumerate(images):
        # image[r, c] = source cell that lands on (r, c); invert to source -> destination.
        perms[k, image.ravel()] = np.arange(height * width)
    return perms


def mirror_perms(height: int, width: int) -> np.ndarray:
    """int64[2, H*W]: identity and the left-right mirror (e.g. Connect Four)."""
    grid = np.arange(height * width, dtype=np.int64).reshape(height, width)
    perms = np.empty((2, height * width), dtype=np.int64)
    for k, image in enumerate([grid, grid[:, ::-1]]):
        perms[k, image.ravel()] = np.arange(height * width)
    return perms


def apply_symmetry(
    obs: np.ndarray, policy: np.ndarray, cell_perm: np.ndarray, action_perm: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Transform observations [B, C, H, W] and policies [B, A] by one symmetry.

    The observation value at cell i moves to cell cell_perm[i]; the policy mass of
    action a moves to action action_perm[a]. Returns new arrays.
    """
    b, c, h, w = obs.shape
    flat = obs.reshape(b, c, h * w)
    out_obs = np.empty_like(flat)
    out_obs[:, :, cell_perm] = flat
    out_pol = np.empty_like(policy)
    out_pol[:, action_perm] = policy
    return out_obs.reshape(b, c, h, w), out_pol
