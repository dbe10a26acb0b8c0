"""Shared-memory slots: where an actor's leaves and the server's answers meet.

One `Slot` per actor process is one `multiprocessing.shared_memory` block holding five
arrays, written by one side and read by the other, never both at once (the request
and done messages order the accesses)::

    obs     float32[capacity, C, H, W]   written by the actor, read by the server
    mask    bool[capacity, A]            written by the actor, read by the server
    logits  float32[capacity, A]         written by the server, read by the actor
    value   float32[capacity]            written by the server, read by the actor
    score   float32[capacity]            the same, the score head's margin (written only
                                         for a search with a score utility)

Only the slot's name, its shapes and small messages (actor id, row count) travel
between processes; the arrays never do.
"""

from __future__ import annotations

from dataclasses import dataclass
from multiprocessing import shared_memory

import numpy as np


@dataclass(frozen=True)
class SlotLayout:
    """Shapes of one slot (picklable: sent to child processes with the slot's name)."""

    capacity: int
    """Rows: the most positions an actor sends in one request."""
    obs_shape: tuple[int, int, int]
    """(C, H, W) of one observation."""
    num_actions: int
    """A."""

    def arrays(self) -> list[tuple[str, tuple[int, ...], np.dtype]]:
        """(name, shape, dtype) of the five arrays, in their order in the block."""
        n, a = self.capacity, self.num_actions
        return [
            ("obs", (n, *self.obs_shape), np.dtype(np.float32)),
            ("mask", (n, a), np.dtype(np.bool_)),
            ("logits", (n, a), np.dtype(np.float32)),
            ("value", (n,), np.dtype(np.float32)),
            ("score", (n,), np.dtype(np.float32)),
        ]

    @property
    def nbytes(self) -> int:
        """Bytes of the block (each array 64-byte aligned)."""
        return sum(_aligned(int(np.prod(shape)) * dt.itemsize) for _, shape, dt in self.arrays())


def _aligned(size: int) -> int:
    return (size + 63) // 64 * 64


class Slot:
    """The five arrays of one actor, over a shared-memory block (see module docstring).

    Args:
        layout: the shapes.
        name: an existing block's name to attach to; None creates a new block (the
            creator owns it and must `unlink` it).
    """

    def __init__(self, layout: SlotLayout, name: str | None = None) -> None:
        self.layout = layout
        self.owner = name is None
        # Children started by `ActorPool` (spawn) share the creator's resource tracker, so an
        # attaching process's registration is the same entry; only the creator unlinks.
        self._shm = shared_memory.SharedMemory(name=name, create=name is None, size=layout.nbytes)
        offset = 0
        views: dict[str, np.ndarray] = {}
        for key, shape, dtype in layout.arrays():
            views[key] = np.ndarray(shape, dtype=dtype, buffer=self._shm.buf, offset=offset)
            offset += _aligned(int(np.prod(shape)) * dtype.itemsize)
        self.obs, self.mask = views["obs"], views["mask"]
        self.logits, self.value, self.score = views["logits"], views["value"], views["score"]

    @property
    def name(self) -> str:
        return self._shm.name

    def close(self) -> None:
        """Drop this process's mapping (the views become unusable); the owner also unlinks."""
        del self.obs, self.mask, self.logits, self.value, self.score
        self._shm.close()
        if self.owner:
            self._shm.unlink()


__all__ = ["Slot", "SlotLayout"]
