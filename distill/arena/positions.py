"""Solver-scored position sets, bucketed by plies played, and their file format.

A domain that offers a solver and ``eval_buckets`` (`distill.domain.Offers`) gets
exact error rates: positions come from seeded uniformly random play (non-terminal
positions only) and carry the exact score of every action from `distill.solve`
(Pascal Pons' convention: > 0 the side to move wins, 0 draw, < 0 it loses; None =
illegal). Sets shipped with a domain live in its ``eval_positions`` folder as
``<bucket>.txt``.

File format (one position per line; ``#`` starts a comment)::

    MOVES [SCORE | SCORE_1 ... SCORE_A]          one-character moves (4453, 15)
    MOVE MOVE ... : [SCORE | SCORE_1 ... SCORE_A]  any moves (c3 d4 :  2 - -1 ...)

MOVES is the domain's move string (`Domain.parse_moves`: Connect Four ``4453``,
tic-tac-toe ``15``; ``-`` or empty for the initial position). Where move names are
longer than one character they are separated by spaces and a ``:`` ends them. One
number after the moves is the position's score, as in Pascal Pons' test sets; A
tokens are per-action scores (``-`` for an illegal action), as `write_positions`
writes them.

Regenerate the shipped sets (seeded; 200 positions per bucket). Connect Four's
"begin" bucket is the slow one: scoring all moves of a 4-stone position takes the
solver up to about two minutes (median 2 s), the whole set about half an hour of
one core::

    python -m distill.arena.positions --domain tictactoe --per-bucket 200 --seed 0
    python -m distill.arena.positions --domain connect4 --per-bucket 200 --buckets middle,end
    python -m distill.arena.positions --domain connect4 --per-bucket 200 --buckets begin
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from distill.commands._args import non_negative_int
from distill.domain import Domain, Position
from distill.errors import DistillError


@dataclass(frozen=True)
class ScoredPosition:
    """A position (actions from the start) with optional exact scores.

    scores: per-action scores (None = illegal), or None when unknown.
    value: the position's score for the side to move (max of `scores` when known).
    """

    moves: tuple[int, ...]
    scores: tuple[int | None, ...] | None = None
    value: int | None = None


def buckets_for(domain: Domain) -> dict[str, tuple[int, int]]:
    """The ply buckets of a domain's exact error rates (DistillError if it has none)."""
    if not domain.eval_buckets or domain.solver is None:
        raise DistillError(
            f"domain {domain.name!r} offers no solver-scored position buckets "
            "(its Domain needs 'solver' and 'eval_buckets')"
        )
    return dict(domain.eval_buckets)


def random_lines(
    domain: Domain, n: int, min_stones: int, max_stones: int, rng: np.random.Generator
) -> list[tuple[int, ...]]:
    """`n` move lists of non-terminal positions from random play, stone counts uniform."""
    lines: list[tuple[int, ...]] = []
    attempts = 0
    while len(lines) < n:
        attempts += 1
        if attempts > 1000 * max(n, 1):
            raise DistillError(
                f"{domain.name}: cannot find positions with "
                f"{min_stones}..{max_stones} stones by random play"
            )
        target = int(rng.integers(min_stones, max_stones + 1))
        game = Position(domain)
        while len(game.history) < target and not game.is_over:
            game.play(int(rng.choice(game.legal_actions())))
        if len(game.history) == target and not game.is_over:
            lines.append(tuple(game.history))
    return lines


def score_lines(domain: Domain, lines: list[tuple[int, ...]]) -> list[ScoredPosition]:
    """Attach exact per-action scores (`distill.solve.solve_moves`) to each line."""
    from distill.solve import solve_moves

    out = []
    for line in lines:
        scores = tuple(solve_moves(domain, list(line)))
        out.append(ScoredPosition(line, scores, max(s for s in scores if s is not None)))
    return out


def format_line(domain: Domain, position: ScoredPosition) -> str:
    """One line of the file format (a ``:`` after the moves where names are multi-character)."""
    moves = domain.format_moves(position.moves)
    if not domain.compact_moves:
        moves += " :"
    if position.scores is None:
        return moves if position.value is None else f"{moves} {position.value}"
    return " ".join([moves, *("-" if s is None else str(s) for s in position.scores)])


def write_positions(
    path: Path, domain: Domain, positions: list[ScoredPosition], header: str = ""
) -> None:
    """Write positions in the module's file format (atomically)."""
    from distill.fileio import atomic_write

    lines = [f"# {h}" for h in header.splitlines()]
    lines += [format_line(domain, p) for p in positions]
    atomic_write(path, "\n".join(lines) + "\n")


def read_positions(path: str | Path, domain: Domain) -> list[ScoredPosition]:
    """Parse a position file; DistillError naming the file and line on bad content."""
    p = Path(path)
    try:
        text = p.read_text()
    except OSError as exc:
        raise DistillError(f"{p}: cannot read positions ({exc.strerror})") from None
    out = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        try:
            out.append(parse_line(domain, line))
        except (DistillError, ValueError) as exc:
            raise DistillError(f"{p}:{number}: {exc}") from None
    return out


def parse_line(domain: Domain, line: str) -> ScoredPosition:
    """One position of the file format (see the module docstring)."""
    moves_text, colon, scores_text = line.partition(":")
    if not colon:  # compact form: the first token is the whole move string
        moves_text, _, scores_text = line.partition(" ")
    game = Position(domain).play_all(domain.parse_moves(moves_text))  # names a bad move
    if game.is_over:
        raise DistillError(f"position {moves_text.strip()!r} is already over")
    rest = scores_text.split()
    if not rest:
        return ScoredPosition(tuple(game.history))
    if len(rest) == 1:
        return ScoredPosition(tuple(game.history), None, _score(rest[0]))
    if len(rest) != domain.num_actions:
        raise DistillError(f"expected 1 or {domain.num_actions} scores, got {len(rest)}")
    scores = tuple(None if s == "-" else _score(s) for s in rest)
    legal = [s for s in scores if s is not None]
    return ScoredPosition(tuple(game.history), scores, max(legal) if legal else None)


def _score(token: str) -> int:
    try:
        return int(token)
    except ValueError:
        raise DistillError(f"score {token!r} is not an integer") from None


def position_set(
    domain: Domain, bucket: str, n: int, seed: int, cache_dir: Path | None = None
) -> list[ScoredPosition]:
    """`n` scored positions of `bucket`: the shipped file, a cached one, or freshly made.

    Looks for the domain's shipped ``<eval_positions>/<bucket>.txt`` (seed 0 only; its
    first n lines, fewer if it holds fewer), then
    ``cache_dir/<domain>-<bucket>-s<seed>-n<n>.txt``; otherwise generates, scores and
    (with `cache_dir`) caches the set.
    """
    low, high = buckets_for(domain)[bucket]
    shipped = domain.eval_positions / f"{bucket}.txt" if domain.eval_positions else None
    if seed == 0 and shipped is not None and shipped.is_file():
        return read_positions(shipped, domain)[:n]
    cached = cache_dir / f"{domain.name}-{bucket}-s{seed}-n{n}.txt" if cache_dir else None
    if cached is not None and cached.is_file():
        return read_positions(cached, domain)
    rng = np.random.default_rng([seed, low, high])
    positions = score_lines(domain, random_lines(domain, n, low, high, rng))
    if cached is not None:
        write_positions(
            cached, domain, positions, f"{domain.name} {bucket} ({low}-{high} stones), seed {seed}"
        )
    return positions


def main(argv: list[str] | None = None) -> int:
    """Write ``<out>/<domain>-<bucket>.txt`` for every bucket (seeded)."""
    import distill

    parser = argparse.ArgumentParser(description="make solver-scored position sets")
    parser.add_argument("--domain", default="connect4", help="a domain with a solver")
    parser.add_argument("--per-bucket", type=int, default=100)
    parser.add_argument("--seed", type=non_negative_int, default=0)
    parser.add_argument("--out", type=Path, default=None, help="default: the shipped folder")
    parser.add_argument("--buckets", default="", help="comma-separated buckets (default: all)")
    args = parser.parse_args(argv)
    domain = distill.make(args.domain)
    out_dir = args.out or domain.eval_positions
    if out_dir is None:
        raise DistillError(f"{args.domain}: no shipped positions folder; give --out")
    wanted = [b for b in args.buckets.split(",") if b]
    for bucket, (low, high) in buckets_for(domain).items():
        if wanted and bucket not in wanted:
            continue
        rng = np.random.default_rng([args.seed, low, high])
        positions = score_lines(domain, random_lines(domain, args.per_bucket, low, high, rng))
        path = out_dir / f"{bucket}.txt"
        header = (
            f"{args.domain} {bucket} ({low}-{high} stones), seed {args.seed}; made by\n"
            f"python -m distill.arena.positions --domain {args.domain} "
            f"--per-bucket {args.per_bucket} --seed {args.seed}"
            + (f" --buckets {args.buckets}" if args.buckets else "")
        )
        write_positions(path, domain, positions, header)
        print(f"wrote {len(positions)} positions to {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
