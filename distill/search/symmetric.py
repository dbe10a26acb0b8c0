"""`SymmetricEvaluator`: a network evaluated under the board's symmetries.

A net trained with symmetry augmentation still answers differently for a position and
its rotations: each answer carries its own error. AlphaGo Zero's search evaluated each
leaf under a rotation or reflection drawn uniformly at random (Silver et al. 2017,
"Methods"), so that one error does not repeat through the tree; Leela Zero and KataGo
offer the same. Averaging several symmetries cuts the error itself, at that many times
the network work. This wrapper does either for any evaluator:

* ``count = 1``: each position is evaluated under one symmetry drawn at random (the
  identity among them), the results mapped back to the position's own actions/cells;
* ``1 < count <= K``: under `count` distinct symmetries drawn at random per position
  (all K when ``count == K``), results averaged: policies as the mean of the images'
  probabilities (returned as log-probabilities, so the search's softmax gives that
  mean back), values, score margins and ownership as plain means.

The draw is a function of the position's observation and the seed (a hash picks one
of `TABLE_SIZE` fixed random orderings of the K symmetries), not of the order of calls:
a search evaluates the same position the same way whatever ran before it, so games with
a fixed number of simulations do not depend on how many processes play them.

With ``count == K`` the evaluator is exactly equivariant: a position and its image
under any symmetry get the same value and each other's moved policy.

Shapes follow the evaluator protocol (`distill.search.evaluators`): obs float32[B, C, H,
W], mask bool[B, A] -> (logits float32[B, A] with illegal = `ILLEGAL_LOGIT`, value
float32[B]). A domain's symmetries come as ``action_perms`` int64[K, A] and
``cell_perms`` int64[K, H*W] (`distill.domain.Domain`): under symmetry k, action a
becomes action_perms[k, a] and the observation value at cell i moves to cell
cell_perms[k, i].
"""

from __future__ import annotations

import zlib
from typing import Any

import numpy as np

from distill.domain import Domain
from distill.errors import ConfigError, ShapeError
from distill.logits import ILLEGAL_LOGIT
from distill.search.evaluators import check_batch

#: Fixed random orderings of the symmetries that the observation hashes choose from.
TABLE_SIZE = 4096


class SymmetricEvaluator:
    """Wraps `evaluator` so that each position is evaluated under `count` symmetries.

    Args:
        evaluator: ``(obs, mask) -> (logits, value)``; its ``evaluate_scored`` and
            ``auxiliary`` (`distill.inference.NetEvaluator`) are wrapped too when present.
        action_perms: int64[K, A], row 0 the identity.
        cell_perms: int64[K, H*W], row 0 the identity.
        count: symmetries a position is evaluated under, 1..K (see the module docstring).
        seed: salts the draw of symmetries (see the module docstring).
    """

    def __init__(
        self,
        evaluator: Any,
        action_perms: np.ndarray,
        cell_perms: np.ndarray,
        count: int,
        *,
        seed: int = 0,
    ) -> None:
        symmetries = int(action_perms.shape[0])
        if cell_perms.shape[0] != symmetries:
            raise ShapeError(
                f"action_perms has {symmetries} symmetries, cell_perms {cell_perms.shape[0]}"
            )
        if not 1 <= count <= symmetries:
            raise ConfigError(
                f"symmetries must be 1..{symmetries} (this board has {symmetries}), got {count}"
            )
        self.evaluator = evaluator
        self.count = int(count)
        self.action_perms = np.asarray(action_perms, np.int64)
        self.cell_perms = np.asarray(cell_perms, np.int64)
        self._action_inverse = np.argsort(self.action_perms, axis=1)
        self._cell_inverse = np.argsort(self.cell_perms, axis=1)
        self._seed = int(seed) & 0xFFFFFFFF
        keys = np.random.default_rng(seed).random((TABLE_SIZE, symmetries))
        self._orders = np.argsort(keys, axis=1).astype(np.int64)
        self.scored = bool(getattr(evaluator, "scored", False))
        """True when the wrapped evaluator has a score head (`evaluate_scored` works)."""

    @classmethod
    def for_domain(
        cls, evaluator: Any, domain: Domain, count: int, *, seed: int = 0
    ) -> SymmetricEvaluator:
        """The wrapper with `domain`'s symmetries."""
        return cls(evaluator, domain.action_perms, domain.cell_perms, count, seed=seed)

    def draw(self, obs: np.ndarray) -> np.ndarray:
        """int64[B, count]: distinct symmetries for each position of obs [B, ...] (all K,
        in order, when count = K; else chosen by a hash of the position's observation)."""
        symmetries = self.action_perms.shape[0]
        if self.count == symmetries:
            return np.tile(np.arange(symmetries, dtype=np.int64), (obs.shape[0], 1))
        rows = np.ascontiguousarray(obs).reshape(obs.shape[0], -1)
        hashes = [zlib.crc32(row.tobytes(), self._seed) % TABLE_SIZE for row in rows]
        return self._orders[hashes, : self.count]

    def _images(self, obs: np.ndarray, mask: np.ndarray, sym: np.ndarray) -> tuple[Any, Any]:
        """obs float32[B*count, C, H, W] and mask bool[B*count, A]: image j of position b
        (row b*count + j) under symmetry sym[b, j]."""
        b, c, h, w = obs.shape
        flat = np.repeat(obs.reshape(b, c, h * w), self.count, axis=0)
        ids = sym.reshape(-1)
        # image[q] = original[inverse[q]]: the value at cell p moves to cell perm[p].
        images = np.take_along_axis(flat, self._cell_inverse[ids][:, None, :], axis=2)
        masks = np.take_along_axis(
            np.repeat(mask, self.count, axis=0), self._action_inverse[ids], axis=1
        )
        return images.reshape(b * self.count, c, h, w), masks

    def _policy(self, logits: np.ndarray, mask: np.ndarray, sym: np.ndarray) -> np.ndarray:
        """The images' logits [B*count, A] back on each position's actions, averaged as
        probabilities: float32[B, A] log-probabilities, illegal = ILLEGAL_LOGIT."""
        back = np.take_along_axis(logits, self.action_perms[sym.reshape(-1)], axis=1)
        if self.count == 1:
            return np.where(mask, back, ILLEGAL_LOGIT).astype(np.float32)
        legal = np.repeat(mask, self.count, axis=0)
        shifted = np.where(legal, back, ILLEGAL_LOGIT).astype(np.float64)
        shifted -= shifted.max(axis=1, keepdims=True)
        probs = np.exp(shifted)
        probs /= probs.sum(axis=1, keepdims=True)
        mean = probs.reshape(mask.shape[0], self.count, -1).mean(axis=1)
        with np.errstate(divide="ignore"):
            logp = np.log(mean)
        return np.where(mask, np.maximum(logp, ILLEGAL_LOGIT + 1.0), ILLEGAL_LOGIT).astype(
            np.float32
        )

    def _mean(self, values: np.ndarray, batch: int) -> np.ndarray:
        """float32[batch]: values [B*count] averaged over each position's images."""
        return values.reshape(batch, self.count).mean(axis=1).astype(np.float32)

    def __call__(self, obs: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(log-probabilities float32[B, A], illegal = ILLEGAL_LOGIT; value float32[B])."""
        check_batch(obs, mask)
        sym = self.draw(obs)
        images, masks = self._images(obs, mask, sym)
        logits, value = self.evaluator(images, masks)
        return self._policy(np.asarray(logits), mask, sym), self._mean(
            np.asarray(value), obs.shape[0]
        )

    def evaluate_scored(
        self, obs: np.ndarray, mask: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """`__call__`'s pair and the mean score margin float32[B] (points, for the player
        to move) of the wrapped evaluator's ``evaluate_scored``."""
        check_batch(obs, mask)
        if not self.scored:
            raise ConfigError("evaluate_scored needs a net with a score head (heads.score)")
        sym = self.draw(obs)
        images, masks = self._images(obs, mask, sym)
        logits, value, score = self.evaluator.evaluate_scored(images, masks)
        batch = obs.shape[0]
        policy = self._policy(np.asarray(logits), mask, sym)
        return policy, self._mean(np.asarray(value), batch), self._mean(np.asarray(score), batch)

    def auxiliary(self, obs: np.ndarray) -> dict[str, np.ndarray]:
        """The wrapped evaluator's ``auxiliary`` outputs, averaged over the images:
        ``"ownership"`` float32[B, H, W] moved back to each position's cells, ``"score"``
        float32[B]."""
        if obs.ndim != 4:
            raise ShapeError(f"auxiliary expects obs[B, C, H, W], got shape {obs.shape}")
        batch, _, height, width = obs.shape
        sym = self.draw(obs)
        mask = np.ones((batch, self.action_perms.shape[1]), np.bool_)
        images, _ = self._images(obs, mask, sym)
        out = self.evaluator.auxiliary(images)
        result: dict[str, np.ndarray] = {}
        if "score" in out:
            result["score"] = self._mean(np.asarray(out["score"]), batch)
        if "ownership" in out:
            owned = np.asarray(out["ownership"]).reshape(batch * self.count, height * width)
            back = np.take_along_axis(owned, self.cell_perms[sym.reshape(-1)], axis=1)
            mean = back.reshape(batch, self.count, height, width).mean(axis=1)
            result["ownership"] = mean.astype(np.float32)
        return result


__all__ = ["SymmetricEvaluator"]
