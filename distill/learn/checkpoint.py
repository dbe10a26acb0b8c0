"""Checkpoints: network weights + optimizer state + step count, checksummed and atomic.

The file is a framed file (`distill.replay.files`: magic, version, length, sha256)
around a ``torch.save`` payload of plain containers and tensors only, so it is
read with ``torch.load(..., weights_only=True)`` (no arbitrary unpickling).
Any defect (truncation, flipped byte, wrong file, weights that do not fit the
network) raises `distill.errors.CorruptFileError` naming the file.

Payload (CHECKPOINT_VERSION 1)::

    {"net": state_dict, "optimizer": state_dict | None, "steps_done": int,
     "net_config": dict (distill.config.to_dict of NetConfig) | None,
     "obs_shape": [C, H, W] | None, "num_actions": int | None, "extra": dict}
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import torch

from distill.errors import CorruptFileError
from distill.learn.module import DistillModule
from distill.replay.files import read_framed, write_framed

CHECKPOINT_MAGIC = b"DSTCKPT\x00"
CHECKPOINT_VERSION = 1


def save_checkpoint(
    path: str | Path, module: DistillModule, *, extra: dict[str, Any] | None = None
) -> Path:
    """Write `module`'s net, optimizer state and step count to `path` atomically.

    `extra` holds plain values (numbers, strings, lists, dicts) such as the generation.
    Replaces an existing file at `path` only once the new one is complete.
    """
    from distill.config import to_dict

    net = module.net
    config = getattr(net, "config", None)
    payload = {
        "net": net.state_dict(),
        "optimizer": module.optimizer_state,
        "steps_done": int(module.steps_done),
        "net_config": to_dict(config) if config is not None else None,
        "obs_shape": list(getattr(net, "obs_shape", ())) or None,
        "num_actions": getattr(net, "num_actions", None),
        "extra": dict(extra or {}),
    }
    return _write(path, payload)


def save_weights(path: str | Path, data: dict[str, Any], *, extra: dict[str, Any]) -> Path:
    """Write the weights of a checkpoint payload `data` (`read_checkpoint`) to `path`
    atomically, without its optimizer state and with step 0: a net to play with or to
    start a run from. `extra` replaces the payload's plain values."""
    payload = {
        "net": data["net"],
        "optimizer": None,
        "steps_done": 0,
        "net_config": data.get("net_config"),
        "obs_shape": data.get("obs_shape"),
        "num_actions": data.get("num_actions"),
        "extra": dict(extra),
    }
    return _write(path, payload)


def _write(path: str | Path, payload: dict[str, Any]) -> Path:
    """``torch.save`` `payload` into a framed checkpoint file at `path`, atomically."""
    buffer = io.BytesIO()
    torch.save(payload, buffer)
    return write_framed(
        path, buffer.getvalue(), magic=CHECKPOINT_MAGIC, version=CHECKPOINT_VERSION, overwrite=True
    )


def read_checkpoint(path: str | Path, map_location: str = "cpu") -> dict[str, Any]:
    """The verified payload dict of a checkpoint (see module doc)."""
    source = Path(path)
    version, payload = read_framed(source, magic=CHECKPOINT_MAGIC)
    if version != CHECKPOINT_VERSION:
        raise CorruptFileError(
            f"{source}: checkpoint version {version}, this distill reads {CHECKPOINT_VERSION}"
        )
    try:
        data = torch.load(io.BytesIO(payload), map_location=map_location, weights_only=True)
    except Exception as exc:  # torch raises several types for bad payloads
        raise CorruptFileError(f"{source}: checkpoint payload does not load: {exc}") from None
    if not isinstance(data, dict) or "net" not in data:
        raise CorruptFileError(f"{source}: not a distill checkpoint payload")
    return data


def load_checkpoint(path: str | Path, module: DistillModule) -> dict[str, Any]:
    """Restore weights, optimizer state and step count into `module`; returns the payload."""
    data = read_checkpoint(path)
    fit_weights(module.net, data["net"], f"{path}: weights do not fit this network")
    module.optimizer_state = data.get("optimizer")
    module.steps_done = int(data.get("steps_done", 0))
    return data


def fit_weights(net: torch.nn.Module, state: dict[str, Any], what: str) -> None:
    """Load `state` into `net` (strict); CorruptFileError ``"{what}: <torch's first line>"``
    when the weights do not fit (another architecture, board or action count)."""
    try:
        net.load_state_dict(state, strict=True)
    except RuntimeError as exc:
        first = str(exc).splitlines()[0]
        raise CorruptFileError(f"{what}: {first}") from None


def build_net_from_checkpoint(path: str | Path) -> torch.nn.Module:
    """A `distill.nets.PolicyValueNet` rebuilt from the config stored in a checkpoint."""
    from distill.config import from_dict
    from distill.nets import NetConfig, build_net

    data = read_checkpoint(path)
    if data.get("net_config") is None or not data.get("obs_shape"):
        raise CorruptFileError(f"{path}: checkpoint does not record its network config")
    net = build_net(
        from_dict(NetConfig, data["net_config"]), tuple(data["obs_shape"]), int(data["num_actions"])
    )
    net.load_state_dict(data["net"])
    return net
