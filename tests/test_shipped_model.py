"""Guards the trained 9x9 net shipped in the repository (models/go9, a `distill export` of
the go9 run measured in docs/go.md): it loads as a ``run:`` player with this checkout's
network code, plays legal moves, and its policy on the empty board is a trained one (its
favourite opening move is off the first two lines, and it puts little weight on the
first line), so a change to the network or checkpoint format that would strand it fails
here."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

import distill
from distill.arena.agent import load_agent
from distill.arena.specs import make_player
from distill.domain import Position
from distill.learn import read_checkpoint

MODEL = Path(__file__).resolve().parents[1] / "models" / "go9"


def test_the_shipped_net_is_an_export_of_a_trained_go9_checkpoint() -> None:
    provenance = json.loads((MODEL / "export.json").read_text())
    assert provenance["source_generation"] >= 1
    data = read_checkpoint(MODEL / "checkpoints" / "gen-00000.ckpt")
    assert data["optimizer"] is None and data["obs_shape"][1:] == [9, 9]


def test_the_shipped_net_plays_and_prefers_the_centre() -> None:
    go = distill.make("go", size=9, komi=7.5)
    agent = load_agent(MODEL)
    empty = Position(go)
    obs = empty.observe()[None]
    logits, _ = agent.evaluator(obs, empty.legal_mask()[None])
    prior = np.exp(logits[0] - logits[0].max())
    board = (prior / prior.sum())[:81].reshape(9, 9)
    row, col = divmod(int(np.argmax(board)), 9)
    assert 2 <= row <= 6 and 2 <= col <= 6, (row, col)
    edge = np.ones((9, 9), dtype=bool)
    edge[1:8, 1:8] = False  # 32 first-line points: 0.39 of an untrained net's prior
    assert board[edge].sum() < 0.3, board[edge].sum()
    player = make_player(f"run:{MODEL},sims=8", go)
    position = empty.play_all(["E5", "C3"])
    move = int(player.select([position], np.random.default_rng(0))[0])
    assert position.legal_mask()[move]
