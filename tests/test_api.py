"""ganforge.load: the LoadedGenerator helpers the latent tools use (truncation, labels, the discriminator)."""

import pytest
import torch

import ganforge
from ganforge.artifacts.checkpoint import CheckpointError, load_checkpoint
from ganforge.config.presets import build_config
from ganforge.training.engine import Trainer


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    cfg = build_config("gan", "ring8", ["model.g_width=8", "model.d_width=8", "model.z_dim=4", "train.steps=3",
                                        "train.batch_size=16", "output.progress=false", "output.tensorboard=false"])
    return Trainer(cfg, run_dir=tmp_path_factory.mktemp("api") / "run").fit().run_dir


def test_sample_is_g_of_the_prior_for_existing_callers(run):
    G = ganforge.load(run)
    z = G.latent.sample(10, torch.Generator().manual_seed(7))
    assert torch.equal(G.sample(10, seed=7), G(z))
    x, z2, c = G.sample_with_latents(10, seed=7)
    assert torch.equal(z2, z) and c is None and torch.equal(x, G(z))


def test_sample_with_truncation_bounds_the_latents(run):
    G = ganforge.load(run)
    x, z, _ = G.sample_with_latents(200, seed=1, truncation=0.3)
    assert z.abs().max() <= 0.3 and torch.equal(x, G(z))


def test_discriminator_is_the_checkpoints_and_leaves_the_rng_alone(run):
    G = ganforge.load(run)
    rng = torch.get_rng_state()
    D = G.discriminator()
    assert torch.equal(torch.get_rng_state(), rng)
    state = load_checkpoint(run)["D"]
    assert all(torch.equal(v, state[k]) for k, v in D.state_dict().items())
    assert not D.training and not any(p.requires_grad for p in D.parameters())
    assert G.discriminator() is D


def test_discriminator_missing(run):
    state = load_checkpoint(run)
    del state["D"]
    with pytest.raises(CheckpointError, match="no discriminator"):
        ganforge.LoadedGenerator(state).discriminator()


def test_labels_must_match_the_latents(run):
    G = ganforge.load(run)
    with pytest.raises(ValueError, match=r"c must be \[N\] = \[4\]"):
        G(torch.zeros(4, G.z_dim), torch.zeros(3, dtype=torch.long))
