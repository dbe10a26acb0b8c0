"""`distill bench learner`: learner steps in float32 and in bfloat16, side by side.

Builds a recipe's network and loss (`distill.learn.DistillModule`: every head the
recipe has, its loss weights and optimizer settings) twice from the same initial
weights and times optimizer steps on one synthetic batch of the recipe's batch size:
float32, and bfloat16 autocast with float32 weights (what Lightning's ``bf16-mixed``
does, the learner of ``precision: bfloat16``). The two are timed in alternation, best
of `repeats`, so a machine whose load changes affects both alike. The batch's values do
not change the cost: observations are random 0/1 planes, targets random but well
formed. Also reports the first step's loss in each format (the same weights and batch,
so they differ by bfloat16's rounding only) and whether torch sees native bfloat16 on
this CPU. Prints a rich table, then one JSON line.
"""

from __future__ import annotations

import argparse
import copy
import json
import time
from typing import Any

import numpy as np
import torch
from rich.console import Console
from rich.table import Table

from distill.commands._args import positive_int

DTYPES = ("float32", "bfloat16")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="distill bench learner", description=__doc__)
    parser.add_argument("--recipe", default="go9", help="a built-in recipe's name or a YAML file")
    parser.add_argument("--batch", type=positive_int, help="batch size (default: the recipe's)")
    parser.add_argument("--steps", type=positive_int, default=3, help="steps per timing")
    parser.add_argument("--repeats", type=positive_int, default=5, help="timings of each dtype")
    parser.add_argument("--threads", type=positive_int, default=1, help="torch intra-op threads")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    row = measure(args.recipe, args.batch, args.steps, args.repeats, args.threads, args.seed)
    table = Table(title=f"learner steps, recipe {row['recipe']}, batch {row['batch']}")
    for column in ("dtype", "samples/s", "ratio to float32"):
        table.add_column(column)
    for dtype in DTYPES:
        speed = row["samples_per_s"][dtype]
        table.add_row(dtype, f"{speed:.0f}", f"{speed / row['samples_per_s']['float32']:.2f}")
    console = Console(stderr=True)
    console.print(table)
    console.print(
        f"first-step loss: float32 {row['loss']['float32']:.5f}, bfloat16 "
        f"{row['loss']['bfloat16']:.5f}; native bfloat16 on this CPU: {row['native_bf16']}"
    )
    print(json.dumps(row))
    return 0


def measure(
    recipe_name: str, batch: int | None, steps: int, repeats: int, threads: int, seed: int
) -> dict[str, Any]:
    """Samples/s of each dtype and the first step's loss of each (see the module docstring)."""
    from distill.devices import cpu_has_native_bf16
    from distill.learn import DistillModule
    from distill.nets import build_net
    from distill.recipe import derive, find_recipe, load_recipe
    from distill.registry import make

    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    recipe = load_recipe(find_recipe(recipe_name))
    domain = make(recipe.domain.id, **recipe.domain.kwargs)
    size = batch or recipe.learner.batch_size
    net = build_net(recipe.network, domain.obs_shape, domain.num_actions)
    total = derive(recipe).total_learner_steps
    data = synthetic_batch(domain, size, np.random.default_rng(seed))
    learners = {}
    for dtype in DTYPES:
        module = DistillModule(
            copy.deepcopy(net), recipe.learner, total_steps=total, credit=recipe.credit
        )
        module.net.train()
        optimizer = module.configure_optimizers()["optimizer"]  # the recipe's, as in a fit
        learners[dtype] = (module, optimizer)
    losses = {dtype: _step(*learners[dtype], data, dtype) for dtype in DTYPES}
    best = dict.fromkeys(DTYPES, float("inf"))
    for _ in range(repeats):
        for dtype in DTYPES:
            start = time.perf_counter()
            for _ in range(steps):
                _step(*learners[dtype], data, dtype)
            best[dtype] = min(best[dtype], (time.perf_counter() - start) / steps)
    return {
        "recipe": recipe.name,
        "batch": size,
        "threads": threads,
        "samples_per_s": {dtype: size / best[dtype] for dtype in DTYPES},
        "ratio": best["float32"] / best["bfloat16"],
        "loss": losses,
        "native_bf16": cpu_has_native_bf16(),
    }


def _step(module: Any, optimizer: Any, data: dict[str, torch.Tensor], dtype: str) -> float:
    """One optimizer step on `data`; returns its loss (bfloat16: under CPU autocast)."""
    with torch.autocast("cpu", dtype=torch.bfloat16, enabled=dtype == "bfloat16"):
        loss = module.compute_losses(data)["loss"]
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()
    return float(loss.detach())


def synthetic_batch(domain: Any, size: int, rng: np.random.Generator) -> dict[str, torch.Tensor]:
    """A well-formed training batch of `size` rows for `domain` (random values): obs
    float32[B, C, H, W] of 0/1 planes, mask bool[B, A] (all legal), policy float32[B, A]
    (rows sum to 1), value_target float32[B] in [-1, 1], ownership float32[B, H, W] in
    {-1, 0, 1}, score float32[B] in points, final_weight float32[B] of ones."""
    channels, height, width = domain.obs_shape
    actions = domain.num_actions
    policy = rng.random((size, actions)).astype(np.float32)
    arrays = {
        "obs": (rng.random((size, channels, height, width)) < 0.3).astype(np.float32),
        "mask": np.ones((size, actions), np.bool_),
        "policy": policy / policy.sum(axis=1, keepdims=True),
        "value_target": rng.uniform(-1, 1, size).astype(np.float32),
        "ownership": rng.integers(-1, 2, (size, height, width)).astype(np.float32),
        "score": rng.normal(0, 10, size).astype(np.float32),
        "final_weight": np.ones(size, np.float32),
    }
    return {key: torch.from_numpy(value) for key, value in arrays.items()}
