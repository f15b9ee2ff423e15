"""Semantic inpainting (Yeh et al. 2017) on tiny generators with a known answer."""

import pytest
import torch
from torch import nn

from ganforge.latent import hole_mse, importance_weights, inpaint, make_mask
from ganforge.models.latent import LatentPrior
from ganforge.models.mlp import MLPGenerator


def _seed(s):
    return torch.Generator().manual_seed(s)


def test_importance_weights_brute_force():
    """W_i = M_i * (missing pixels in the 7x7 window around i, cut at the border) / (pixels in that window)."""
    known = make_mask("random", (1, 9, 11), _seed(0), missing=0.4)
    W = importance_weights(known, window=7)
    H, Wd = known.shape[-2:]
    expected = torch.zeros(1, H, Wd)
    for i in range(H):
        for j in range(Wd):
            win = known[0, max(0, i - 3): i + 4, max(0, j - 3): j + 4]
            expected[0, i, j] = known[0, i, j] * (1 - win).sum() / win.numel()
    torch.testing.assert_close(W, expected)
    assert torch.all(W[known == 0] == 0)                                    # the hole itself has no weight


def test_built_in_masks():
    shape = (1, 8, 8)
    center = make_mask("center", shape)
    assert center.shape == (1, 8, 8) and int((center == 0).sum()) == 16     # a quarter of the area
    assert torch.all(center[0, 2:6, 2:6] == 0)
    assert torch.all(make_mask("left", shape)[0, :, :4] == 0) and torch.all(make_mask("left", shape)[0, :, 4:] == 1)
    assert torch.all(make_mask("bottom", shape)[0, 4:] == 0) and torch.all(make_mask("bottom", shape)[0, :4] == 1)
    rnd = make_mask("random", (1, 100, 100), _seed(0))
    assert abs(float((rnd == 0).float().mean()) - 0.8) < 0.02
    with pytest.raises(ValueError, match="valid: center, left, right, top, bottom, random"):
        make_mask("middle", shape)


def _tiny_g():
    torch.manual_seed(0)
    return MLPGenerator(LatentPrior(4), (1, 8, 8), width=32, depth=2, norm="none", tanh=True).eval()


def test_inpainting_beats_the_mean_image_in_the_hole():
    G = _tiny_g()
    with torch.no_grad():
        x = G(torch.randn(6, 4, generator=_seed(1)))
        mean = G(torch.randn(4000, 4, generator=_seed(2))).mean(0, keepdim=True).expand_as(x)
    for kind in ("center", "left", "random"):
        known = make_mask(kind, (1, 8, 8), _seed(3))
        # restarts: with 80% of the pixels missing (11 known), 3 random starts leave one image in a local minimum
        result = inpaint(G, None, x, known, prior_weight=0.0, steps=300, lr=0.05, restarts=8, generator=_seed(4))
        ours, baseline = hole_mse(result.inpainted, x, known), hole_mse(mean, x, known)
        assert torch.all(ours < 0.1 * baseline), (kind, ours, baseline)


def test_known_pixels_are_kept_and_the_hole_is_never_read():
    G = _tiny_g()
    with torch.no_grad():
        x = G(torch.randn(2, 4, generator=_seed(1)))
    known = make_mask("center", (1, 8, 8))
    corrupted = torch.where(known.bool(), x, torch.full_like(x, float("nan")))
    result = inpaint(G, None, corrupted, known, prior_weight=0.0, steps=20, generator=_seed(0))
    assert torch.isfinite(result.inpainted).all() and torch.isfinite(result.z).all()
    assert torch.equal(result.inpainted[:, :, known[0].bool()], x[:, :, known[0].bool()])
    assert torch.equal(result.inpainted[:, :, ~known[0].bool()], result.generated[:, :, ~known[0].bool()])


def test_unweighted_context_loss_is_the_l1_on_known_pixels():
    G = _tiny_g()
    x = torch.rand(3, 1, 8, 8, generator=_seed(0)) * 2 - 1
    known = make_mask("right", (1, 8, 8))
    result = inpaint(G, None, x, known, prior_weight=0.0, weighting=False, steps=30, generator=_seed(1))
    expected = ((result.generated - x).abs() * known).flatten(1).sum(1)
    torch.testing.assert_close(result.context_loss, expected)


class _BlockG(nn.Module):
    """Known pixels (top half) read z[:, :2] only, hole pixels (bottom half) z[:, 2:] only: the context loss
    leaves z[:, 2:] free and only the prior loss can move it."""

    def __init__(self):
        super().__init__()
        self.latent, self.z_dim = LatentPrior(4), 4
        g = _seed(0)
        self.top, self.bottom = torch.randn(8, 2, generator=g), torch.randn(8, 2, generator=g)

    def forward(self, z, c=None):
        return torch.cat([z[:, :2] @ self.top.T, z[:, 2:] @ self.bottom.T], 1).view(-1, 1, 4, 4)


class _SumD(nn.Module):
    """logit = the sum of the bottom half's pixels."""

    def forward(self, x, c=None):
        return x[:, :, 2:].flatten(1).sum(1)


def test_prior_loss_raises_the_discriminator_logit():
    G, D = _BlockG(), _SumD()
    x = torch.randn(2, 1, 4, 4, generator=_seed(1))
    known = make_mask("bottom", (1, 4, 4))
    off = inpaint(G, D, x, known, prior_weight=0.0, steps=100, restarts=1, generator=_seed(2))
    on = inpaint(G, D, x, known, prior_weight=1.0, steps=100, restarts=1, generator=_seed(2))
    assert torch.all(D(on.generated) > D(off.generated) + 1.0)
    # the known half is fit the same either way
    torch.testing.assert_close(on.generated[:, :, :2], off.generated[:, :, :2], rtol=0, atol=1e-3)


def test_latent_weight_pulls_the_free_part_of_z_to_the_origin():
    """The context loss leaves z[:, 2:] free (it stays at its start); the |eps|^2 / d term moves it to 0."""
    G = _BlockG()
    x = torch.randn(2, 1, 4, 4, generator=_seed(1))
    known = make_mask("bottom", (1, 4, 4))
    off = inpaint(G, None, x, known, prior_weight=0.0, steps=300, lr=0.05, restarts=1, generator=_seed(2))
    on = inpaint(G, None, x, known, prior_weight=0.0, latent_weight=1.0, steps=300, lr=0.05, restarts=1,
                 generator=_seed(2))
    start = torch.randn(2, 4, generator=_seed(2))                           # the one start of restarts=1
    torch.testing.assert_close(off.z[:, 2:], start[:, 2:])
    assert torch.all(on.z[:, 2:].abs() < 0.1) and torch.all(on.z[:, 2:].abs() < start[:, 2:].abs())


def test_prior_loss_needs_a_single_image_discriminator():
    G, D = _BlockG(), _SumD()
    x, known = torch.zeros(1, 1, 4, 4), make_mask("bottom", (1, 4, 4))
    with pytest.raises(ValueError, match="needs the discriminator"):
        inpaint(G, None, x, known, prior_weight=0.1, steps=1)
    D.pack = 2
    with pytest.raises(ValueError, match="packs of 2"):
        inpaint(G, D, x, known, prior_weight=0.1, steps=1)


@pytest.mark.parametrize("known, message", [
    (torch.ones(1, 4, 4), "no hole"),
    (torch.zeros(1, 4, 4), "hides every pixel"),
    (torch.full((1, 4, 4), 0.5), "only 0"),
])
def test_bad_masks(known, message):
    with pytest.raises(ValueError, match=message):
        inpaint(_BlockG(), None, torch.zeros(1, 1, 4, 4), known, prior_weight=0.0, steps=1)
