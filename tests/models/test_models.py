import pytest
import torch
from torch import nn

from ganforge.config import ModelConfig
from ganforge.models import MODELS, DataSpec, build_models
from ganforge.models.dcgan import pyramid


@pytest.mark.parametrize("shape", [(1, 8, 8), (1, 28, 28), (3, 32, 32), (1, 16, 16), (3, 64, 64)])
def test_dcgan_shapes_and_ranges(shape):
    G, D = build_models(ModelConfig(name="dcgan", g_width=8, d_width=8, z_dim=16), DataSpec("images", shape))
    x = G(torch.randn(3, 16))
    assert x.shape == (3, *shape) and x.min() >= -1 and x.max() <= 1
    assert D(x).shape == (3,)


def test_dcgan_follows_radford_et_al():
    G, D = build_models(ModelConfig(name="dcgan"), DataSpec("images", (1, 32, 32)))
    g_layers, d_layers = list(G.net), list(D.net)
    # G: transposed convs, BN + ReLU after every one but the last, tanh at the output, no BN there.
    assert all(isinstance(m, nn.ConvTranspose2d) for m in g_layers if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)))
    assert isinstance(g_layers[-1], nn.Tanh) and isinstance(g_layers[-2], nn.ConvTranspose2d)
    assert sum(isinstance(m, nn.BatchNorm2d) for m in g_layers) == 3
    # D: strided convs, LeakyReLU(0.2), no BN right after the input layer.
    assert isinstance(d_layers[0], nn.Conv2d) and d_layers[0].stride == (2, 2) and isinstance(d_layers[1], nn.LeakyReLU)
    assert all(m.negative_slope == 0.2 for m in d_layers if isinstance(m, nn.LeakyReLU))
    assert not any(isinstance(m, nn.ConvTranspose2d) for m in d_layers)


@pytest.mark.parametrize("res, expected", [(8, (4, 1)), (28, (7, 2)), (32, (4, 3)), (64, (4, 4)), (48, (6, 3))])
def test_pyramid(res, expected):
    assert pyramid(res) == expected


@pytest.mark.parametrize("res", [4, 36, 128, 30])
def test_dcgan_rejects_unsupported_resolution(res):
    with pytest.raises(ValueError, match="dcgan supports square resolutions"):
        pyramid(res)


def test_dcgan_rejects_points():
    with pytest.raises(ValueError, match="needs image data"):
        build_models(ModelConfig(name="dcgan"), DataSpec("points", (2,)))


@pytest.mark.parametrize("spec", [DataSpec("points", (2,)), DataSpec("images", (1, 8, 8))])
def test_mlp_shapes(spec):
    G, D = build_models(ModelConfig(name="mlp", g_width=16, d_width=16, z_dim=4), spec)
    x = G(torch.randn(5, 4))
    assert x.shape == (5, *spec.shape) and D(x).shape == (5,)
    if spec.kind == "images":
        assert x.abs().max() <= 1  # tanh output for images; points are unbounded


def test_auto_picks_family_by_data():
    G, _ = build_models(ModelConfig(), DataSpec("images", (1, 28, 28)))
    assert "DCGAN" in type(G).__name__
    G, _ = build_models(ModelConfig(), DataSpec("points", (2,)))
    assert "MLP" in type(G).__name__
    assert set(MODELS.names()) >= {"mlp", "dcgan", "infogan"}


def test_init_is_seeded():
    torch.manual_seed(3)
    a, _ = build_models(ModelConfig(name="dcgan", g_width=8, d_width=8), DataSpec("images", (1, 8, 8)))
    torch.manual_seed(3)
    b, _ = build_models(ModelConfig(name="dcgan", g_width=8, d_width=8), DataSpec("images", (1, 8, 8)))
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))


@pytest.mark.parametrize("name, cls", [("relu", nn.ReLU), ("tanh", nn.Tanh), ("leaky_relu", nn.LeakyReLU)])
def test_mlp_generator_activation(name, cls):
    G, _ = build_models(ModelConfig(name="mlp", g_width=8, d_width=8, z_dim=2, g_depth=3, g_activation=name),
                        DataSpec("points", (2,)))
    hidden = [m for m in G.net if not isinstance(m, nn.Linear)]
    assert len(hidden) == 3 and all(isinstance(m, cls) for m in hidden)


def test_packing_discriminator_scores_packs():
    """PacGAN: with pack m, D sees m samples jointly; one logit per pack, and a pack's logit depends on its
    members only."""
    _, D = build_models(ModelConfig(name="mlp", d_width=8, pack=3), DataSpec("points", (2,)))
    x = torch.randn(12, 2)
    logits = D(x)
    assert logits.shape == (4,)
    y = x.clone()
    y[4] += 1.0  # second pack (samples 3, 4, 5)
    changed = (D(y) != logits).tolist()
    assert changed == [False, True, False, False]
    with pytest.raises(ValueError, match="packs of 3"):
        D(torch.randn(10, 2))


def test_pack_must_divide_the_batch():
    from ganforge.config import ConfigError
    from ganforge.config.presets import build_config
    from ganforge.config.validate import validate

    with pytest.raises(ConfigError, match="model.pack"):
        validate(build_config("gan", "ring8", ["model.pack=3", "train.batch_size=100"]))
    with pytest.raises(ValueError, match="mlp family only"):
        build_models(ModelConfig(name="dcgan", pack=2), DataSpec("images", (1, 8, 8)))


@pytest.mark.parametrize("name, spec", [("mlp", DataSpec("points", (2,))), ("mlp", DataSpec("images", (1, 8, 8))),
                                        ("dcgan", DataSpec("images", (1, 16, 16))),
                                        ("infogan", DataSpec("images", (1, 16, 16)))])
def test_discriminator_is_head_of_features(name, spec):
    """D(x) == D.head(D.features(x)): tricks read D's features without a second forward."""
    torch.manual_seed(0)
    G, D = build_models(ModelConfig(name=name, g_width=8, d_width=8, z_dim=4), spec)
    D.eval()
    x = G(torch.randn(4, 4))
    h = D.features(x)
    assert h.shape[0] == 4 and h.flatten(1).shape[1] > 1
    torch.testing.assert_close(D.head(h), D(x))
