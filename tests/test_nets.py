"""Guards `distill.nets`: output shapes over several board sizes from one set of weights,
masking (a board padded into a bigger tensor computes exactly what it computes alone),
the policy-head choices, the value conventions and the FLOP counter."""

from __future__ import annotations

import pytest
import torch

from distill.errors import ConfigError, ShapeError
from distill.logits import ILLEGAL_LOGIT
from distill.nets import (
    HeadsConfig,
    NetConfig,
    ResNetConfig,
    TransformerConfig,
    build_net,
    count_flops,
    count_params,
)

pytestmark = pytest.mark.usefixtures("one_torch_thread")


SMALL_RESNET = ResNetConfig(channels=16, blocks=3, global_pool_every=2, global_pool_channels=4)
SMALL_TRANSFORMER = TransformerConfig(dim=16, layers=2, heads=2, max_board=(9, 9))
HEADS = HeadsConfig(policy_channels=8, value_channels=8, value_hidden=16)


def go_like_obs(batch: int, size: int, tensor: int, seed: int = 0) -> torch.Tensor:
    """[B, 3, T, T]: plane 0 = on-board mask (size x size in the top-left), planes 1-2
    random stones on the board only."""
    g = torch.Generator().manual_seed(seed)
    obs = torch.zeros(batch, 3, tensor, tensor)
    obs[:, 0, :size, :size] = 1.0
    obs[:, 1:, :size, :size] = (torch.rand(batch, 2, size, size, generator=g) < 0.3).float()
    return obs


def make(backbone: str, **heads: object) -> torch.nn.Module:
    config = NetConfig(
        backbone=backbone,
        resnet=SMALL_RESNET,
        transformer=SMALL_TRANSFORMER,
        heads=HeadsConfig(**{**HEADS.__dict__, **heads}),
        mask_plane=0,
    )
    torch.manual_seed(0)
    return build_net(config, (3, 9, 9), 9 * 9 + 1)


@pytest.mark.parametrize("backbone", ["resnet", "transformer"])
def test_one_net_serves_several_board_sizes(backbone):
    net = make(backbone, value="wdl", short_term_horizons=(4.0, 16.0), ownership=True).eval()
    for size in (5, 7, 9):
        out = net(go_like_obs(3, size, size))
        assert out["policy_logits"].shape == (3, size * size + 1)  # cells + pass
        assert out["value"].shape == (3,)
        assert out["wdl_logits"].shape == (3, 3)
        assert out["short_term"].shape == (3, 2)
        assert out["ownership"].shape == (3, size, size)
        assert torch.all(out["value"].abs() <= 1.0)


@pytest.mark.parametrize("backbone", ["resnet", "transformer"])
@pytest.mark.parametrize("training", [False, True])
def test_padded_board_matches_the_board_alone(backbone, training):
    """A 5x5 board inside a 7x7 tensor (mask plane 0) gives the 5x5 answers exactly."""
    net = make(backbone, ownership=True).train(training)
    alone, padded = go_like_obs(4, 5, 5), go_like_obs(4, 5, 7)
    out_a, out_p = net(alone), net(padded)
    cells_p = out_p["policy_logits"][:, :49].reshape(4, 7, 7)
    torch.testing.assert_close(
        cells_p[:, :5, :5].reshape(4, 25), out_a["policy_logits"][:, :25], rtol=1e-4, atol=1e-4
    )
    torch.testing.assert_close(
        out_p["policy_logits"][:, 49], out_a["policy_logits"][:, 25], rtol=1e-4, atol=1e-4
    )  # pass
    torch.testing.assert_close(out_p["value"], out_a["value"], rtol=1e-4, atol=1e-4)
    torch.testing.assert_close(
        out_p["ownership"][:, :5, :5], out_a["ownership"], rtol=1e-4, atol=1e-4
    )
    off_board = cells_p.clone()
    off_board[:, :5, :5] = ILLEGAL_LOGIT
    assert torch.all(off_board == ILLEGAL_LOGIT), "off-board cells must get ILLEGAL_LOGIT"


@pytest.mark.parametrize("backbone", ["resnet", "transformer"])
def test_column_head_for_connect_four(backbone):
    config = NetConfig(
        backbone=backbone, resnet=SMALL_RESNET, transformer=SMALL_TRANSFORMER, heads=HEADS
    )
    net = build_net(config, (2, 6, 7), 7).eval()
    assert net.policy_kind == "column"
    assert net(torch.rand(5, 2, 6, 7))["policy_logits"].shape == (5, 7)
    assert net(torch.rand(5, 2, 6, 9))["policy_logits"].shape == (5, 9)  # wider board


def test_dense_head_and_head_errors():
    net = build_net(NetConfig(resnet=SMALL_RESNET, heads=HeadsConfig(policy="dense")), (2, 3, 3), 4)
    assert net(torch.rand(2, 2, 3, 3))["policy_logits"].shape == (2, 4)
    with pytest.raises(ConfigError, match="column"):
        build_net(NetConfig(heads=HeadsConfig(policy="column")), (2, 6, 7), 8)
    with pytest.raises(ConfigError, match="spatial"):
        build_net(NetConfig(heads=HeadsConfig(policy="spatial")), (2, 6, 7), 7)
    with pytest.raises(ValueError, match="divide"):
        TransformerConfig(dim=10, heads=3)


def test_transformer_rejects_boards_beyond_its_embeddings():
    net = make("transformer")
    with pytest.raises(ShapeError, match="max_board"):
        net(go_like_obs(1, 11, 11))


def test_wdl_value_is_win_minus_loss():
    net = make("resnet", value="wdl").eval()
    out = net(go_like_obs(3, 9, 9))
    probs = out["wdl_logits"].softmax(dim=1)
    torch.testing.assert_close(out["value"], probs[:, 0] - probs[:, 2])


def test_count_flops_matches_hand_count():
    c_in, c, p, v, hid, hw = 2, 8, 4, 4, 6, 3 * 3
    config = NetConfig(
        resnet=ResNetConfig(channels=c, blocks=1, global_pool_every=0),
        heads=HeadsConfig(policy_channels=p, value_channels=v, value_hidden=hid),
    )
    net = build_net(config, (c_in, 3, 3), 9)
    expected = 2 * (
        c_in * c * 9 * hw
        + 2 * c * c * 9 * hw  # stem + two 3x3 convs of the block
        + c * p * hw
        + 3 * p * p
        + p * hw  # policy: 1x1 conv, pooled bias, cell logits
        + c * v * hw
        + 3 * v * hid
        + hid  # value: 1x1 conv, hidden, output
    )
    assert count_flops(net, (c_in, 3, 3)) == expected
    assert count_params(net) == sum(t.numel() for t in net.parameters())
