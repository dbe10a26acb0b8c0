"""A straightforward pure-Python PUCT MCTS on a pure-Python Connect Four: the baseline that
`distill bench search` measures `distill.search` against.

Same algorithm as `distill.search` with ``algorithm="puct"`` and no noise: the root is
evaluated first, then each simulation descends by argmax Q + U (AlphaZero pseudocode
constants, first-play urgency = parent mean - fpu_reduction), expands one leaf,
evaluates it (uniform: value 0; rollout: one uniformly random playout) and backs the
value up, flipping its sign at every ply. Written for reading, with node objects and
dicts, as one would write it without numba.
"""

from __future__ import annotations

import math
import random

WIDTH, HEIGHT = 7, 6
_H1 = HEIGHT + 1
_BOTTOM = [1 << (col * _H1) for col in range(WIDTH)]
_TOP = [1 << (col * _H1 + HEIGHT - 1) for col in range(WIDTH)]


class ConnectFour:
    """Connect Four on Python-int bitboards (Pons' layout: 7 bits per column, bottom first)."""

    __slots__ = ("current", "mask", "moves")

    def __init__(self) -> None:
        self.current = 0  # stones of the player to move
        self.mask = 0  # all stones
        self.moves = 0

    def copy(self) -> ConnectFour:
        twin = ConnectFour()
        twin.current, twin.mask, twin.moves = self.current, self.mask, self.moves
        return twin

    def legal_moves(self) -> list[int]:
        if self.last_mover_won():
            return []
        return [col for col in range(WIDTH) if not self.mask & _TOP[col]]

    def play(self, col: int) -> None:
        self.current ^= self.mask  # the mover's stones become the opponent's
        self.mask |= self.mask + _BOTTOM[col]
        self.moves += 1

    def last_mover_won(self) -> bool:
        stones = self.current ^ self.mask
        for shift in (1, _H1, _H1 - 1, _H1 + 1):  # vertical, horizontal, two diagonals
            pairs = stones & (stones >> shift)
            if pairs & (pairs >> (2 * shift)):
                return True
        return False

    def terminal_value(self) -> float | None:
        """Value for the player to move if the game is over, else None."""
        if self.last_mover_won():
            return -1.0
        return 0.0 if self.moves == WIDTH * HEIGHT else None


class Node:
    """One tree node; `value_sum` is from the view of the player to move at this node."""

    __slots__ = ("children", "game", "prior", "value_sum", "visits")

    def __init__(self, game: ConnectFour, prior: float) -> None:
        self.game = game
        self.prior = prior
        self.visits = 0
        self.value_sum = 0.0
        self.children: dict[int, Node] = {}

    def mean(self) -> float:
        return self.value_sum / self.visits if self.visits else 0.0


def uniform_evaluate(game: ConnectFour, rng: random.Random) -> float:
    """Value 0 (the prior is uniform over legal moves for every evaluator here)."""
    return 0.0


def rollout_evaluate(game: ConnectFour, rng: random.Random) -> float:
    """Outcome of one uniformly random playout, for the player to move at `game`."""
    scratch = game.copy()
    sign = 1.0
    while True:
        value = scratch.terminal_value()
        if value is not None:
            return sign * value
        scratch.play(rng.choice(scratch.legal_moves()))
        sign = -sign


def select_child(node: Node, c_base: float, c_init: float, fpu_reduction: float) -> int:
    """argmax over children of Q + U (AlphaZero pseudocode, with first-play urgency)."""
    exploration = (math.log((node.visits + c_base + 1) / c_base) + c_init) * math.sqrt(node.visits)
    fpu = node.mean() - fpu_reduction
    legal = node.game.legal_moves()
    prior = 1.0 / len(legal)  # uniform prior over legal moves
    best_action, best_score = -1, -math.inf
    for action in legal:
        child = node.children.get(action)
        visits = child.visits if child else 0
        q = -child.mean() if child and child.visits else fpu
        score = q + exploration * prior / (1 + visits)
        if score > best_score:
            best_action, best_score = action, score
    return best_action


def search(
    game: ConnectFour,
    num_simulations: int,
    evaluate=rollout_evaluate,
    *,
    c_base: float = 19652.0,
    c_init: float = 1.25,
    fpu_reduction: float = 0.2,
    seed: int = 0,
) -> dict[int, int]:
    """Run PUCT from `game`; returns the root's visit count per action."""
    rng = random.Random(seed)
    root = Node(game.copy(), 1.0)
    root.visits, root.value_sum = 1, evaluate(root.game, rng)
    for _ in range(num_simulations):
        node, path = root, [root]
        while node.game.terminal_value() is None:
            action = select_child(node, c_base, c_init, fpu_reduction)
            if action not in node.children:
                child_game = node.game.copy()
                child_game.play(action)
                node.children[action] = Node(child_game, 1.0)
                node = node.children[action]
                path.append(node)
                break
            node = node.children[action]
            path.append(node)
        terminal = node.game.terminal_value()
        value = terminal if terminal is not None else evaluate(node.game, rng)
        for visited in reversed(path):  # strict alternation in Connect Four
            visited.visits += 1
            visited.value_sum += value
            value = -value
    return {action: child.visits for action, child in root.children.items()}
