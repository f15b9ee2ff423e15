"""The infogan model family: Chen et al. 2016's MNIST networks (Appendix C.1), checked against the paper's table."""

import pytest
import torch
from torch import nn

from ganforge.config import ModelConfig
from ganforge.models import DataSpec, build_models
from ganforge.models.infogan import coarsest

MNIST = DataSpec("images", (1, 28, 28), 10)


def paper_infogan() -> tuple[nn.Module, nn.Module]:
    torch.manual_seed(0)
    return build_models(ModelConfig(name="infogan", z_dim=62, z_categories=10, z_continuous=2, info_head=True), MNIST)


def test_networks_are_the_papers_table():
    """Chen et al. Table 1 (MNIST). D: conv 64 4x4 /2, lReLU; conv 128 4x4 /2, BN, lReLU; FC 1024, BN, lReLU; FC 1.
    Q: FC 128, BN, lReLU, FC. G: FC 1024, BN, ReLU; FC 7x7x128, BN, ReLU; upconv 64 4x4 /2, BN, ReLU; upconv 1."""
    G, D = paper_infogan()
    d = [m for m in D.net if isinstance(m, (nn.Conv2d, nn.Linear))]
    assert [(type(m), m.out_channels if isinstance(m, nn.Conv2d) else m.out_features) for m in d] == [
        (nn.Conv2d, 64), (nn.Conv2d, 128), (nn.Linear, 1024), (nn.Linear, 1)]
    assert all(m.kernel_size == (4, 4) and m.stride == (2, 2) for m in d[:2])
    assert [type(m) for m in D.net if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d))] == [nn.BatchNorm2d,
                                                                                           nn.BatchNorm1d]
    assert [type(m) for m in D.q] == [nn.Linear, nn.BatchNorm1d, nn.LeakyReLU, nn.Linear]
    assert D.q[0].out_features == 128 and D.q[-1].out_features == 10 + 2
    g = [m for m in G.net if isinstance(m, (nn.ConvTranspose2d, nn.Linear))]
    assert [m.out_features if isinstance(m, nn.Linear) else m.out_channels for m in g] == [1024, 7 * 7 * 128, 64, 1]
    assert g[0].in_features == 62 + 10 + 2
    assert isinstance(G.net[-1], nn.Tanh)


def test_parameter_counts_match_the_table_by_hand():
    """Weights + biases + BN affine pairs of the table's layers, counted by hand (biases dropped before a BN)."""
    G, D = paper_infogan()
    g = (74 * 1024 + 2 * 1024) + (1024 * 6272 + 2 * 128) + (128 * 64 * 16 + 2 * 64) + (64 * 16 + 1)
    d_trunk = (16 * 64 + 64) + (64 * 128 * 16 + 2 * 128) + (6272 * 1024 + 2 * 1024) + (1024 + 1)
    q = (1024 * 128 + 2 * 128) + (128 * 12 + 12)
    assert sum(p.numel() for p in G.parameters()) == g
    assert sum(p.numel() for p in D.parameters()) == d_trunk + q


@pytest.mark.parametrize("shape", [(1, 8, 8), (1, 28, 28), (3, 32, 32), (3, 64, 64)])
def test_shapes_and_ranges(shape):
    G, D = build_models(ModelConfig(name="infogan", g_width=4, d_width=4, z_dim=6), DataSpec("images", shape))
    x = G(torch.randn(3, 6))
    assert x.shape == (3, *shape) and x.min() >= -1 and x.max() <= 1
    assert D(x).shape == (3,) and D.features(x).shape == (3, 64)   # FC width 16 w


def test_q_reads_ds_features():
    """Q predicts the 10 category logits and 2 continuous means from D's FC features (D == head(features) is
    checked for every family in test_models)."""
    G, D = paper_infogan()
    G.eval(), D.eval()
    cat, cont = D.info(D.features(G(G.latent.sample(5))))
    assert cat.shape == (5, 10) and cont.shape == (5, 2)


@pytest.mark.parametrize("res", [4, 30, 68, 26])
def test_rejects_resolutions_it_cannot_build(res):
    with pytest.raises(ValueError, match="infogan supports square resolutions 8 to 64 in steps of 4"):
        coarsest(res)


def test_rejects_points():
    with pytest.raises(ValueError, match="needs image data"):
        build_models(ModelConfig(name="infogan"), DataSpec("points", (2,)))


@pytest.mark.parametrize("cfg, match", [
    (ModelConfig(name="infogan", pack=2), "mlp family only"),
    (ModelConfig(name="infogan", d_type="autoencoder"), "infogan's D is a classifier"),
])
def test_rejects_options_of_other_families(cfg, match):
    with pytest.raises(ValueError, match=match):
        build_models(cfg, DataSpec("images", (1, 8, 8)))


@pytest.mark.parametrize("conditioning", ["input", "hidden", "projection", "acgan"])
def test_class_conditioning(conditioning):
    """Every conditioning method combines with this family; a wrong class is a clear error."""
    torch.manual_seed(0)
    G, D = build_models(ModelConfig(name="infogan", g_width=4, d_width=4, z_dim=6, conditioning=conditioning),
                        DataSpec("images", (1, 28, 28), 10))
    c = torch.tensor([0, 3, 9])
    x = G(torch.randn(3, 6), c)
    assert x.shape == (3, 1, 28, 28) and D(x, c).shape == (3,)
    with pytest.raises(ValueError, match="outside"):
        G(torch.randn(1, 6), torch.tensor([10]))


@pytest.mark.parametrize("preset", ["infogan", "cgan", "vae", "bigan"])
def test_trains_and_samples_through_the_engine(tiny_config, preset):
    """A few steps on digits (8x8) on this family, sampled from the checkpoint alone: the family is a swappable part
    for the GAN presets, the VAE (its D trunk is the encoder's) and BiGAN (the trunk of D(x, z) and of E)."""
    import ganforge

    cfg = tiny_config(preset, "digits", "model.name=infogan", "model.g_width=4", "model.d_width=4", "train.steps=3")
    result = ganforge.train(cfg)
    G = ganforge.load(result.run_dir)
    x = G.sample(8)
    assert x.shape == (8, 1, 8, 8) and x.abs().max() <= 1
