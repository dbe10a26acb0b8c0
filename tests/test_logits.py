"""Guards the one `ILLEGAL_LOGIT`: no other module writes the -1e9 "probability zero"
logit as a literal (read from the source), and the search, nets, learner and inference
all hand out the same value."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import torch

from distill.logits import ILLEGAL_LOGIT

ROOT = Path(__file__).resolve().parents[1]


def test_no_other_module_spells_the_illegal_logit():
    copies = []
    for path in sorted([*(ROOT / "distill").rglob("*.py"), *(ROOT / "domains").rglob("*.py")]):
        if path == ROOT / "distill" / "logits.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not (isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub)):
                continue
            if isinstance(node.operand, ast.Constant) and node.operand.value == 1e9:
                copies.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert copies == [], f"use distill.logits.ILLEGAL_LOGIT instead of a copy: {copies}"


def test_every_layer_uses_it():
    from distill.inference import NetEvaluator
    from distill.learn import masked_log_softmax
    from distill.nets import HeadsConfig, NetConfig, ResNetConfig, build_net
    from distill.search.gumbel import logits_of

    mask = torch.tensor([[True, False]])
    raw = torch.zeros(1, 2)
    assert masked_log_softmax(raw, mask)[0, 1] == ILLEGAL_LOGIT - torch.logsumexp(raw[:, :1], 1)
    config = NetConfig(
        resnet=ResNetConfig(channels=8, blocks=1, global_pool_every=0),
        heads=HeadsConfig(policy_channels=4, value_channels=4, value_hidden=8),
        mask_plane=0,
    )
    net = build_net(config, (1, 2, 2), 4)
    obs = np.array([[[[1, 1], [1, 0]]]], np.float32)  # cell 3 off the board
    with torch.no_grad():
        assert net.eval()(torch.from_numpy(obs))["policy_logits"][0, 3] == ILLEGAL_LOGIT
    logits, _ = NetEvaluator(net)(obs, np.array([[True, False, True, True]]))
    assert logits[0, 1] == np.float32(ILLEGAL_LOGIT)
    floored = logits_of(np.array([0.0, 1.0]), np.array([True, True]))  # underflowed prior
    assert floored[0] == ILLEGAL_LOGIT
