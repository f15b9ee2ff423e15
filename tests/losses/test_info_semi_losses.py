"""InfoGAN's info_loss and the semi-supervised GAN's losses against their formulas, written out independently."""

import math

import pytest
import torch

from ganforge.losses import info_loss, sgan_logit, sgan_supervised_loss, sgan_unsupervised_loss


def test_sgan_losses_match_salimans_formulas_on_given_logits():
    l_real = torch.tensor([[1.0, -2.0, 0.5], [0.0, 0.0, 0.0]])
    l_fake = torch.tensor([[-1.0, -1.0, -3.0], [2.0, 0.1, -0.4]])
    Z = lambda row: sum(math.exp(v) for v in row)                                   # noqa: E731
    D = lambda row: Z(row) / (Z(row) + 1)                                           # noqa: E731
    want = (-sum(math.log(D(r)) for r in l_real.tolist()) / 2
            - sum(math.log(1 - D(r)) for r in l_fake.tolist()) / 2)
    assert sgan_unsupervised_loss(l_real, l_fake).item() == pytest.approx(want, rel=1e-6)
    assert sgan_logit(l_real)[1].item() == pytest.approx(math.log(3.0))            # three logits of 0: Z = 3
    y = torch.tensor([0, 2])
    want_sup = -(math.log(math.exp(1.0) / Z([1.0, -2.0, 0.5])) + math.log(1 / 3)) / 2
    assert sgan_supervised_loss(l_real, y).item() == pytest.approx(want_sup, rel=1e-6)


def test_info_loss_is_cross_entropy_plus_half_squared_error():
    cat = torch.tensor([[2.0, 0.0], [0.0, 1.0]])
    k = torch.tensor([0, 0])
    mu, u = torch.tensor([[0.5, -0.5], [0.0, 0.0]]), torch.tensor([[1.0, 0.5], [0.2, -1.0]])
    ce = -(math.log(math.exp(2) / (math.exp(2) + 1)) + math.log(1 / (1 + math.e))) / 2
    sq = (0.5 * (0.25 + 1.0) + 0.5 * (0.04 + 1.0)) / 2
    loss, stats = info_loss(cat, k, mu, u)
    assert loss.item() == pytest.approx(ce + sq, rel=1e-6)
    assert stats["info/cat"].item() == pytest.approx(ce, rel=1e-6)
    assert info_loss(None, None, mu, u)[0].item() == pytest.approx(sq, rel=1e-6)
    with pytest.raises(ValueError, match="needs codes"):
        info_loss(None, None, None, None)
