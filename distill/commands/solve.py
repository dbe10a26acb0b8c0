"""`distill solve DOMAIN [MOVES]`: print the exact score of every move of a position.

Example: ``distill solve connect4 4453`` prints the seven column scores on one
line (``-`` for a full column), ``distill solve tictactoe 15`` the nine cell
scores. Any domain that offers a solver works (plugins included); moves are the
domain's move names, run together when each is one character or space separated
(``"c3 d4"``). Scores are Pons-style, from the view of the side to move: positive
wins (larger = sooner), 0 draws, negative loses. See `distill.solve`.
"""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("domain", help="id of a domain with a solver (tictactoe, connect4, ...)")
    parser.add_argument(
        "moves",
        nargs="*",
        default=[],
        help="moves so far, e.g. 4453 (connect4 columns 1-7), 15 (tictactoe cells 1-9) "
        "or space-separated names such as c3 d4; none for the start position",
    )


def run(args: argparse.Namespace) -> int:
    from distill.solve import format_scores, solve_moves

    print(format_scores(solve_moves(args.domain, " ".join(args.moves))))
    return 0
