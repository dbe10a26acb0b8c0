"""`distill bench inference`: CPU inference variants of one network, side by side.

Measures positions/s of eager, channels-last, trace+freeze, bf16 and torch.compile
evaluation (`distill.inference.measure_variants`), interleaved in one run, with the
matmul GFLOP/s of this machine measured in the same run as the reference. The net is
a ResNet of the given shape, or a recipe's own network and game (``--recipe go9``).
Prints a table and one JSON line per row.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

import torch
from rich.console import Console
from rich.table import Table

from distill.commands._args import non_negative_int, positive_int


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="distill bench inference", description=__doc__)
    parser.add_argument("--blocks", type=non_negative_int, default=6, help="residual blocks")
    parser.add_argument("--channels", type=positive_int, default=64, help="trunk channels")
    parser.add_argument("--board", type=positive_int, nargs=2, default=(9, 9), metavar=("H", "W"))
    parser.add_argument("--planes", type=positive_int, default=8, help="input planes C")
    parser.add_argument("--batch", type=positive_int, nargs="+", default=[64, 256])
    parser.add_argument("--repeats", type=positive_int, default=10)
    parser.add_argument("--threads", type=positive_int, default=1, help="torch intra-op threads")
    parser.add_argument(
        "--recipe", help="measure this recipe's network on its game (overrides the shape options)"
    )
    args = parser.parse_args(argv)

    from distill.inference import measure_variants

    torch.set_num_threads(args.threads)
    net, obs_shape, num_actions, title = _network(args)
    rows = measure_variants(
        net, obs_shape, num_actions, batch_sizes=tuple(args.batch), repeats=args.repeats
    )
    table = Table(title=f"inference, {title}")
    for column in ("variant", "batch", "positions/s", "max |Δlogit|", "matmul GFLOP/s"):
        table.add_column(column)
    for row in rows:
        table.add_row(
            row["variant"],
            str(row["batch"]),
            f"{row['positions_per_s']:.0f}",
            f"{row['max_abs_diff']:.1e}",
            f"{row['matmul_gflops']:.1f}",
        )
    Console(stderr=True).print(table)
    for row in rows:
        print(json.dumps({**row, "board": list(row["board"])}))
    return 0


def _network(args: argparse.Namespace) -> tuple[Any, tuple[int, int, int], int, str]:
    """(net, obs shape, action count, title) of the recipe or of the shape options."""
    from distill.nets import NetConfig, ResNetConfig, build_net

    if args.recipe is not None:
        from distill.recipe import find_recipe, load_recipe
        from distill.registry import make

        recipe = load_recipe(find_recipe(args.recipe))
        domain = make(recipe.domain.id, **recipe.domain.kwargs)
        net = build_net(recipe.network, domain.obs_shape, domain.num_actions)
        return net, domain.obs_shape, domain.num_actions, f"recipe {recipe.name}'s network"
    height, width = args.board
    obs_shape = (args.planes, height, width)
    pool = max(1, min(16, args.channels // 4))
    resnet = ResNetConfig(channels=args.channels, blocks=args.blocks, global_pool_channels=pool)
    actions = height * width + 1
    net = build_net(NetConfig(resnet=resnet), obs_shape, actions)
    return net, obs_shape, actions, f"{args.blocks}x{args.channels} ResNet, {height}x{width}"
