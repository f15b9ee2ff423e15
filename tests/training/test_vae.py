"""The VAE through the GAN engine: encoder + decoder trained on the ELBO, checkpointed, sampled like any G."""

import numpy as np
import pytest
import torch

from ganforge import load
from ganforge.artifacts.checkpoint import load_checkpoint
from ganforge.cli.main import main
from ganforge.config import ConfigError
from ganforge.config.presets import build_config
from ganforge.losses.vae import gaussian_kl, gaussian_log_likelihood
from ganforge.training.engine import Trainer
from ganforge.training.vae import vae_step


def test_vae_step_minimises_minus_the_elbo_it_logs():
    """loss/G is -log p(x|z) + beta KL at the encoder's sample; vae/elbo the same with beta = 1."""
    torch.manual_seed(0)
    G, E = torch.nn.Linear(2, 3), torch.nn.Linear(3, 4)
    enc = lambda x: E(x).chunk(2, dim=1)  # noqa: E731
    x, eps = torch.randn(8, 3), torch.randn(8, 2)
    mu, logvar = enc(x)
    z = mu + (0.5 * logvar).exp() * eps
    recon = -gaussian_log_likelihood(x, G(z), 0.5)
    kl = gaussian_kl(mu, logvar)
    opt = lambda m: torch.optim.SGD(m.parameters(), lr=0.0)  # noqa: E731  (no update: compare at these weights)

    class Enc(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.E = E

        def forward(self, x):
            return enc(x)

    stats = vae_step(G, Enc(), opt(G), opt(E), x, eps, beta=3.0, decoder="gaussian", decoder_std=0.5)
    assert torch.allclose(stats["loss/G"], (recon + 3.0 * kl).mean().detach())
    assert torch.allclose(stats["vae/elbo"], -(recon + kl).mean().detach())
    assert torch.allclose(stats["vae/kl"], kl.mean().detach())


def test_vae_learns_on_points_and_writes_reconstructions(tiny_config, tmp_path):
    cfg = tiny_config("vae", "grid25", "train.steps=150", "train.log_every=50")
    result = Trainer(cfg, run_dir=tmp_path / "run").fit()
    assert result.metrics["vae/kl"] > 0 and np.isfinite(result.metrics["vae/elbo"])
    assert (tmp_path / "run" / "samples" / "reconstructions.png").is_file()
    state = load_checkpoint(result.checkpoint)
    assert state["E"] is not None and state["opt_E"] is not None
    # the VAE never trains D: its checkpoint slot holds the initial weights
    torch.manual_seed(cfg.train.seed)
    from ganforge.models import DataSpec, build_models

    _, D0 = build_models(cfg.model, DataSpec.from_dict(state["data"]["spec"]))
    assert all(torch.equal(D0.state_dict()[k], v) for k, v in state["D"].items())


def test_conv_vae_with_bernoulli_decoder_trains_on_digits_and_samples_through_the_cli(tmp_path):
    run = tmp_path / "img"
    args = ["train", "--preset", "vae", "--data", "digits", "--out", str(run), "train.steps=4", "model.g_width=4",
            "model.d_width=4", "model.z_dim=3", "train.batch_size=16", "output.progress=false",
            "output.tensorboard=false", "output.n_samples=16", "train.threads=1"]
    assert main(args) == 0
    assert (run / "samples" / "reconstructions.png").is_file()
    assert main(["sample", str(run), "--n", "9", "--out", str(tmp_path / "g.npz")]) == 0
    images = np.load(tmp_path / "g.npz")["images"]
    assert images.shape == (9, 1, 8, 8) and images.dtype == np.uint8
    loaded = load(run)                                   # the decoder is G; z ~ N(0, I) from G.latent
    assert loaded.G.latent.dim == 3


def test_the_vae_is_the_lectures_baseline_and_says_so():
    cfg = build_config("vae", "mnist")
    assert (cfg.loss.name, cfg.loss.beta, cfg.loss.decoder, cfg.optim.g_lr) == ("vae", 1.0, "bernoulli", 1e-3)
    points = build_config("vae", "grid25")
    assert points.loss.decoder == "gaussian" and points.model.name == "mlp"


@pytest.mark.parametrize("overrides, message", [
    (["loss.beta=-1"], "'loss.beta' must be >= 0"),
    (["loss.decoder_std=0"], "'loss.decoder_std' must be > 0"),
    (["loss.decoder=poisson"], "bernoulli"),
    (["reg.gp_weight=10"], "'reg.gp_weight'=10.0 is a GAN option"),
    (["model.z_categories=4"], "'model.z_categories'=4"),
    (["model.conditioning=input"], "model.conditioning"),
    (["train.n_critic=5"], "train.n_critic"),
])
def test_bad_vae_settings_are_clear_errors(overrides, message):
    with pytest.raises((ConfigError, ValueError), match=message):
        cfg = build_config("vae", "grid25", overrides)
        from ganforge.config.validate import validate
        validate(cfg)


def test_vae_keys_need_the_vae_and_bernoulli_needs_images(tiny_config, tmp_path):
    from ganforge.config.validate import validate

    with pytest.raises(ConfigError, match="'loss.beta' is a setting of loss.name=vae"):
        validate(build_config("gan", "grid25", ["loss.beta=2"]))
    with pytest.raises(ValueError, match="loss.decoder=bernoulli .* needs images"):
        Trainer(tiny_config("vae", "grid25", "loss.decoder=bernoulli", "loss.decoder_std=0.1"), run_dir=tmp_path)


def test_vaegan_updates_each_network_on_its_own_objective_from_the_same_weights():
    """Larsen et al. 2016 Algorithm 1, checked against gradients taken by hand with SGD(lr=1): E moves along
    -grad(beta KL + L_llike), the decoder along -grad(gamma L_llike + GAN), D along -grad(GAN) alone."""
    import copy

    from ganforge.config.schema import ModelConfig
    from ganforge.losses import LOSSES
    from ganforge.models import DataSpec, build_models
    from ganforge.models.encoder import build_encoder
    from ganforge.training.vae import vaegan_step

    torch.manual_seed(0)
    spec, cfg = DataSpec("points", (2,)), ModelConfig(name="mlp", g_width=8, d_width=8, g_depth=1, d_depth=1)
    G, D = build_models(cfg, spec)
    E = build_encoder(cfg, spec, G.latent.dim)
    x, eps, z_p = torch.randn(6, 2), torch.randn(6, G.latent.dim), torch.randn(6, G.latent.dim)
    ns, beta, gamma = LOSSES.get("ns"), 0.5, 2.0
    nets = {name: copy.deepcopy(net) for name, net in (("G", G), ("D", D), ("E", E))}

    def objectives(G, D, E):
        mu, logvar = E(x)
        x_rec, x_p = G(mu + (0.5 * logvar).exp() * eps), G(z_p)
        llike = 0.5 * ((D.features(x) - D.features(x_rec)) ** 2).sum(1).mean()
        kl = (0.5 * (mu**2 + logvar.exp() - 1 - logvar).sum(1)).mean()
        fake_logits = torch.cat([D(x_rec), D(x_p)])
        return {"E": beta * kl + llike, "G": gamma * llike + ns.g_loss(fake_logits, None),
                "D": ns.d_loss(D(x), fake_logits)}

    expected = {}
    for name, net in nets.items():
        net_objective = objectives(nets["G"], nets["D"], nets["E"])[name]
        grads = torch.autograd.grad(net_objective, list(net.parameters()), allow_unused=True)
        expected[name] = [p.detach() - (g if g is not None else 0) for p, g in zip(net.parameters(), grads)]
    sgd = lambda m: torch.optim.SGD(m.parameters(), lr=1.0)  # noqa: E731
    vaegan_step(G, D, E, sgd(G), sgd(D), sgd(E), ns, x, eps, z_p, beta=beta, gamma=gamma)
    for name, net in (("G", G), ("D", D), ("E", E)):
        for p, want in zip(net.parameters(), expected[name]):
            assert torch.allclose(p, want, atol=1e-6), name


def test_conv_vaegan_trains_on_digits_and_samples_through_the_cli(tmp_path):
    run = tmp_path / "img"
    assert main(["train", "--preset", "vaegan", "--data", "digits", "--out", str(run), "train.steps=3",
                 "model.g_width=4", "model.d_width=4", "model.z_dim=3", "train.batch_size=16", "output.progress=false",
                 "output.tensorboard=false", "output.n_samples=16", "train.threads=1"]) == 0
    assert (run / "samples" / "reconstructions.png").is_file()
    assert main(["sample", str(run), "--n", "4", "--out", str(tmp_path / "g.npz")]) == 0
    assert np.load(tmp_path / "g.npz")["images"].shape == (4, 1, 8, 8)


def test_vaegan_settings_belong_to_vaegan():
    from ganforge.config.validate import validate

    with pytest.raises(ConfigError, match="'loss.vaegan_gamma' is a setting of loss.name=vaegan"):
        validate(build_config("vae", "grid25", ["loss.vaegan_gamma=2"]))
    with pytest.raises(ConfigError, match="'loss.decoder' is a setting of loss.name=vae.*D's features"):
        validate(build_config("vaegan", "digits", ["loss.decoder=bernoulli"]))
