"""Guards the network-free Go player's exploration: the tactical prior (captures, escapes,
self-atari, next to the last move) on hand-made positions, self-atari-free playouts, the
AMAF prior (same playouts and values as plain playouts, bounded prior terms), c_init
scaled with the number of actions, and that equal priors are no longer explored in board
order (on an empty 19x19 board the first searched moves used to be the top rows)."""

from __future__ import annotations

import numpy as np

import distill
from distill.arena.players import SearchPlayer
from distill.arena.specs import ROLLOUT_C_INIT_PER_ACTION, make_player, rollout_c_init
from distill.domain import Position
from distill.domains.go.rollouts import (
    AMAF_LOGIT,
    CAPTURE_LOGIT,
    EDGE_LOGIT,
    ESCAPE_LOGIT,
    NEAR_LAST_LOGIT,
    SELF_ATARI_LOGIT,
    TIE_JITTER,
    LightRolloutEvaluator,
    _pick_move,
    new_marks,
    point_tactics,
    prior_logits,
)


def logit_at(position: Position, vertex: str) -> float:
    logits = np.zeros((1, position.domain.num_actions), np.float32)
    prior_logits(position.store, np.array([0]), logits)
    return float(logits[0, position.domain.parse_action(vertex)])


def test_prior_rewards_captures_escapes_and_the_last_moves_neighbours() -> None:
    # 7x7, black to move: white C5 has one liberty left (C4); black B2, walled in by
    # white A2, B1 and C2, has one liberty left (B3), and extending there gives it three.
    go = distill.make(
        "go", size=7, black_stones=("B5", "C6", "D5", "B2"), white_stones=("C5", "A2", "B1", "C2")
    )
    position = Position(go)
    marks = new_marks()
    assert point_tactics(position.store[0], go.parse_action("C4"), marks, 1)[0]
    assert logit_at(position, "C4") == CAPTURE_LOGIT
    assert point_tactics(position.store[0], go.parse_action("B3"), marks, 2) == (
        False,
        True,
        False,
    )
    assert logit_at(position, "B3") == ESCAPE_LOGIT
    assert logit_at(position, "G4") == EDGE_LOGIT  # first line of an open board
    played = position.play_all(["F3"])  # white to move; the last move is F3
    assert logit_at(played, "E2") == NEAR_LAST_LOGIT and logit_at(played, "D3") == 0.0


def test_self_atari_is_penalised_and_avoided_by_playouts() -> None:
    # 5x5: black owns everything but the eyes A1 and E5 and the pair C3-C4; white to move.
    # White's only legal points are C3 and C4, each a self-atari (one liberty, no capture).
    empty = {"A1", "E5", "C3", "C4"}
    stones = [f"{c}{r}" for c in "ABCDE" for r in range(1, 6) if f"{c}{r}" not in empty]
    go = distill.make("go", size=5, black_stones=stones, first_player="white")
    position = Position(go)
    assert logit_at(position, "C3") == SELF_ATARI_LOGIT
    state = position.store[0].copy()
    rng = np.array([3], dtype=np.uint64)
    candidates = np.empty(25, np.int64)
    with_rule = _pick_move(state, rng, candidates, True, new_marks())
    without = _pick_move(state, rng, candidates, False, new_marks())
    assert with_rule == 25  # pass rather than give the stone away
    assert go.format_action(int(without)) in ("C3", "C4")


def test_amaf_prior_uses_the_same_playouts_and_stays_bounded() -> None:
    go = distill.make("go", size=7)
    position = Position(go).play_all(["D4", "C3", "E3"])
    store, idx = position.store, np.array([0, 0])
    seeds = np.array([11, 12], dtype=np.uint64)
    plain = LightRolloutEvaluator(go, num_rollouts=4, prior="heuristic").evaluate_states(
        store, idx, seeds
    )
    amaf = LightRolloutEvaluator(go, num_rollouts=4, prior="amaf").evaluate_states(
        store, idx, seeds
    )
    np.testing.assert_array_equal(plain[1], amaf[1])  # the same playouts, the same values
    extra = amaf[0] - plain[0]
    assert np.all(np.abs(extra) <= AMAF_LOGIT + 1e-6) and np.any(extra != 0)
    assert extra[0, go.num_actions - 1] == 0.0  # pass gets no AMAF term
    uniform = LightRolloutEvaluator(go, prior="uniform").evaluate_states(store, idx, seeds)[0]
    assert 0 < float(np.ptp(uniform)) <= TIE_JITTER  # only the tie-breaking jitter


def test_c_init_scales_with_the_number_of_actions() -> None:
    go19, go9 = distill.make("go", size=19), distill.make("go", size=9)
    assert rollout_c_init(go19) == ROLLOUT_C_INIT_PER_ACTION * 362
    assert rollout_c_init(go9) == ROLLOUT_C_INIT_PER_ACTION * 82
    assert rollout_c_init(distill.make("connect4")) == 4.0
    player = make_player("mcts:sims=8", go19)
    assert player.config.c_init == rollout_c_init(go19)  # type: ignore[attr-defined]
    assert make_player("mcts:sims=8,c_init=2", go19).config.c_init == 2.0  # type: ignore[attr-defined]


def test_equal_priors_are_not_explored_in_board_order() -> None:
    go = distill.make("go", size=19)
    player = make_player("mcts:sims=120,prior=uniform", go)
    assert isinstance(player, SearchPlayer)
    result = player.search([Position(go)], np.random.default_rng(0))
    visited = np.flatnonzero(result.visit_counts[0, :361] > 0)
    rows = visited // 19
    assert len(visited) >= 40
    assert rows.min() <= 3 and rows.max() >= 15  # spread over the board, not the top rows
