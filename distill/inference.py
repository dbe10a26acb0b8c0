"""`NetEvaluator`: a network behind the search's evaluator protocol, tuned for CPU.

``evaluator(obs float32[B, C, H, W], mask bool[B, A]) -> (logits float32[B, A],
value float32[B])``: numpy in, numpy out, so the search never touches torch.
Logits of illegal actions are `ILLEGAL_LOGIT` (finite, so a softmax over a row is
never NaN); values are in [-1, 1] from the view of the player to move.
``evaluator.auxiliary(obs)`` returns the net's auxiliary outputs (ownership, score)
for analysis tools such as GTP ``kata-analyze``; ``evaluator.evaluate_scored(obs,
mask)`` adds the score head's margin to the pair, for a search with a score utility
(``evaluator.scored`` says whether the net has that head).

The wrapped net runs in eval mode under ``torch.inference_mode()``. By default
the evaluator holds a deep copy of the net, so a learner training the original
cannot change the weights in the middle of a self-play generation.

CPU measurements (`measure_variants`; ResNet 6 blocks x 64 channels, global
pooling every 3rd block; torch 2.13 CPU, oneDNN 3.12, 1 intra-op thread on a
2-core AMD EPYC (AVX-512) that other jobs kept at load 8-14, so calls were
interleaved round-robin and the best of 8 kept; fp32 512^2 matmul in the same
run: 79-95 GFLOP/s). Positions/s (GFLOP/s of the net in brackets):

    board  batch  eager        channels_last  trace+freeze  bf16 autocast  compile
    6x7     64    317 (11.4)   398 (14.4)     466 (16.8)    568 (20.5)     438 (15.8)
    6x7    256    546 (19.7)   630 (22.7)     406 (14.7)    632 (22.8)     398 (14.4)
    9x9     64    240 (16.8)   343 (23.9)     214 (14.9)    322 (22.4)     213 (14.9)
    9x9    256    351 (24.4)   464 (32.3)     497 (34.6)    710 (49.5)     494 (34.4)

Kept: channels-last (the default; +15-43% in every cell, results equal to fp32
eager within 1e-7). Not default: trace+freeze and torch.compile (no consistent
gain, compile time up front); bf16 (up to 2x at batch 256, but logits move by
~1e-3, which changes search decisions; opt in with ``dtype="bfloat16"``). With
2 threads on the loaded machine every variant was several times slower (OpenMP
threads waiting on descheduled peers), so pass ``num_threads=1`` when the CPU is
shared.
"""

from __future__ import annotations

import copy
import time
import warnings
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import torch
from torch import Tensor, nn

from distill.errors import ConfigError, ShapeError
from distill.logits import ILLEGAL_LOGIT
from distill.nets.model import OWNERSHIP, POLICY, SCORE, VALUE
from distill.search.evaluators import check_batch


class _PolicyValue(nn.Module):
    """Adapts a net returning a dict to a (logits, value) tuple (traceable)."""

    def __init__(self, net: nn.Module) -> None:
        super().__init__()
        self.net = net

    def forward(self, obs: Tensor) -> tuple[Tensor, Tensor]:
        out = self.net(obs)
        return out[POLICY], out[VALUE]


@dataclass(frozen=True)
class InferenceOptions:
    """How the evaluator runs the net."""

    dtype: Literal["float32", "bfloat16"] = "float32"
    """Compute dtype (bfloat16 runs under CPU/GPU autocast)."""
    channels_last: bool = True
    """Convert weights and inputs to channels-last memory format (measured faster)."""
    freeze: bool = False
    """TorchScript-trace the net, then ``torch.jit.freeze`` + ``optimize_for_inference``
    (folds batch norm into convolutions, pre-packs oneDNN weights)."""
    compile: bool = False
    """``torch.compile`` the net (inductor; needs a C++ compiler on CPU)."""


DEFAULT_OPTIONS = InferenceOptions()
#: Plain fp32 eager execution in contiguous (NCHW) layout: the reference of `measure_variants`.
EAGER = InferenceOptions(channels_last=False)


class NetEvaluator:
    """A policy-value net as an evaluator: ``(obs, mask) -> (masked logits, value)``.

    Args:
        net: a `distill.nets.PolicyValueNet` (or any module returning the same dict).
        device: torch device for the forward pass ("cpu", "cuda", ...).
        options: dtype / memory format / tracing / compilation (`InferenceOptions`).
        num_threads: if given, ``torch.set_num_threads(num_threads)`` (process-wide).
        copy_net: evaluate a deep copy of `net` (default) instead of `net` itself.
    """

    def __init__(
        self,
        net: nn.Module,
        *,
        device: str | torch.device = "cpu",
        options: InferenceOptions = DEFAULT_OPTIONS,
        num_threads: int | None = None,
        copy_net: bool = True,
    ) -> None:
        if num_threads is not None:
            torch.set_num_threads(int(num_threads))
        self.device = torch.device(device)
        self.options = options
        self.obs_shape = getattr(net, "obs_shape", None)
        model = copy.deepcopy(net) if copy_net else net
        model = model.to(self.device).eval()
        if options.channels_last:
            model = model.to(memory_format=torch.channels_last)  # type: ignore[call-overload]
        self._net = model  # the plain net (all outputs), for `auxiliary`
        heads = getattr(getattr(net, "config", None), "heads", None)
        self.scored = bool(getattr(heads, "score", False))
        """True when the net has a score head (`evaluate_scored` works)."""
        self._model: Any = _PolicyValue(model).eval()
        self._prepared = not (options.freeze or options.compile)

    @property
    def net(self) -> nn.Module:
        """The evaluated net itself (eval mode, on `device`; a copy unless ``copy_net``
        was False), with all its outputs."""
        return self._net

    def _prepare(self, example: Tensor) -> None:
        """Trace/freeze or compile on the first batch (needs an example input)."""
        if self.options.freeze:
            with torch.no_grad(), self._autocast(), warnings.catch_warnings():
                warnings.simplefilter("ignore", torch.jit.TracerWarning)
                warnings.filterwarnings("ignore", ".*deprecated.*", DeprecationWarning)
                traced = torch.jit.trace(self._model, example, check_trace=False)
                self._model = torch.jit.optimize_for_inference(torch.jit.freeze(traced))
        if self.options.compile:
            self._model = torch.compile(self._model, dynamic=True)
        self._prepared = True

    def _autocast(self) -> Any:
        enabled = self.options.dtype == "bfloat16"
        return torch.autocast(self.device.type, dtype=torch.bfloat16, enabled=enabled)

    def _input(self, obs: np.ndarray) -> Tensor:
        x = torch.from_numpy(np.ascontiguousarray(obs, dtype=np.float32)).to(self.device)
        if self.options.channels_last:
            x = x.contiguous(memory_format=torch.channels_last)
        return x

    def auxiliary(self, obs: np.ndarray) -> dict[str, np.ndarray]:
        """The net's auxiliary outputs for obs float32[B, C, H, W], as numpy arrays.

        ``"ownership"``: float32[B, H, W] in [-1, 1], +1 = the player to move owns the
        point; ``"score"``: float32[B], the expected final score margin for the player
        to move, in points. Only the heads the net has (`distill.nets.HeadsConfig`
        ``ownership`` / ``score``); an empty dict if it has neither. Runs the plain net
        (not a traced or compiled copy) under the evaluator's device and dtype.
        """
        if obs.ndim != 4:
            raise ShapeError(f"auxiliary expects obs[B, C, H, W], got shape {obs.shape}")
        with torch.inference_mode(), self._autocast():
            out = self._net(self._input(obs))
        return {
            key: out[key].float().cpu().numpy().astype(np.float32)
            for key in (OWNERSHIP, SCORE)
            if key in out
        }

    def evaluate_scored(
        self, obs: np.ndarray, mask: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """`__call__`'s (logits, value) and the score head's margin float32[B] (points, for
        the player to move), from one forward pass of the plain net."""
        check_batch(obs, mask)
        if not self.scored:
            raise ConfigError("evaluate_scored needs a net with a score head (heads.score)")
        if obs.shape[0] == 0:
            empty = np.zeros(0, np.float32)
            return np.zeros(mask.shape, np.float32), empty, empty
        with torch.inference_mode(), self._autocast():
            out = self._net(self._input(obs))
        logits = self._masked(out[POLICY].float(), mask)
        value = out[VALUE].float().cpu().numpy()
        return logits, value, out[SCORE].float().cpu().numpy()

    def _masked(self, logits: Tensor, mask: np.ndarray) -> np.ndarray:
        """Logits as numpy with illegal actions at ILLEGAL_LOGIT (mask bool[B, A])."""
        if logits.shape != mask.shape:
            raise ShapeError(f"net gives logits {tuple(logits.shape)}, mask is {mask.shape}")
        legal = torch.from_numpy(np.ascontiguousarray(mask, dtype=np.bool_)).to(logits.device)
        return logits.masked_fill(~legal, ILLEGAL_LOGIT).cpu().numpy()  # type: ignore[no-any-return]

    def forward(self, obs: np.ndarray) -> tuple[Tensor, Tensor]:
        """Unmasked (logits float32[B, A], value float32[B]) as tensors on the device."""
        x = self._input(obs)
        with torch.inference_mode(), self._autocast():
            if not self._prepared:
                self._prepare(x)
            logits, value = self._model(x)
        return logits.float(), value.float()

    def __call__(self, obs: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(logits float32[B, A] with illegal = ILLEGAL_LOGIT, value float32[B])."""
        check_batch(obs, mask)
        if obs.shape[0] == 0:
            return np.zeros(mask.shape, np.float32), np.zeros(0, np.float32)
        logits, value = self.forward(obs)
        return self._masked(logits, mask), value.cpu().numpy()


def _matmul_gflops(seconds_budget: float = 0.2) -> float:
    """GFLOP/s of a 512x512 fp32 matmul on this machine right now (a reference speed)."""
    a, b = torch.randn(512, 512), torch.randn(512, 512)
    best = float("inf")
    deadline = time.perf_counter() + seconds_budget
    while time.perf_counter() < deadline:
        start = time.perf_counter()
        torch.mm(a, b)
        best = min(best, time.perf_counter() - start)
    return 2 * 512**3 / best / 1e9


def measure_variants(
    net: nn.Module,
    obs_shape: tuple[int, int, int],
    num_actions: int,
    batch_sizes: tuple[int, ...] = (64, 256),
    variants: dict[str, InferenceOptions] | None = None,
    repeats: int = 20,
) -> list[dict[str, Any]]:
    """Positions/s of each inference variant and batch size, measured side by side.

    The variants' calls are interleaved round-robin (so a noisy, shared CPU slows
    them alike) and the best of `repeats` calls is kept. Each row also gives the
    largest absolute logit difference from `EAGER` and the matmul GFLOP/s
    measured in the same run (`_matmul_gflops`) as a reference speed.
    """
    variants = variants or {
        "eager": EAGER,
        "channels_last": InferenceOptions(channels_last=True),
        "freeze": InferenceOptions(freeze=True, channels_last=False),
        "bf16": InferenceOptions(dtype="bfloat16", channels_last=False),
        "compile": InferenceOptions(compile=True, channels_last=False),
    }
    rng = np.random.default_rng(0)
    rows: list[dict[str, Any]] = []
    for batch in batch_sizes:
        obs = (rng.random((batch, *obs_shape)) < 0.3).astype(np.float32)
        mask = np.ones((batch, num_actions), dtype=np.bool_)
        reference = NetEvaluator(net, options=EAGER)(obs, mask)[0]
        evaluators = {name: NetEvaluator(net, options=o) for name, o in variants.items()}
        best = dict.fromkeys(evaluators, float("inf"))
        diffs = {}
        for name, evaluator in evaluators.items():  # warm-up: trace / compile
            logits = [evaluator(obs, mask)[0] for _ in range(2)][-1]
            diffs[name] = float(np.abs(logits - reference).max())
        for _ in range(repeats):
            for name, evaluator in evaluators.items():
                start = time.perf_counter()
                evaluator(obs, mask)
                best[name] = min(best[name], time.perf_counter() - start)
        gflops = _matmul_gflops()
        for name in evaluators:
            rows.append(
                {
                    "variant": name,
                    "batch": batch,
                    "board": obs_shape[1:],
                    "positions_per_s": batch / best[name],
                    "max_abs_diff": diffs[name],
                    "matmul_gflops": gflops,
                }
            )
    return rows
