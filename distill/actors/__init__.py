"""Self-play at scale: actor processes feeding one batched inference server.

* `distill.actors.slots`: the shared-memory slot of each actor (leaves and answers).
* `distill.actors.server`: the inference process that owns the device.
* `distill.actors.actor`: the actor process (numba search, `RemoteEvaluator`).
* `distill.actors.pool`: `ActorPool`, which starts, drives and stops them.
"""

from __future__ import annotations

from distill.actors.pool import ActorPool, check_actor_count

__all__ = ["ActorPool", "check_actor_count"]
