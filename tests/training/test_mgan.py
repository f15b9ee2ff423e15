"""MGAN (the `mgan` preset): K generators sharing all but their input layer, kept apart by a classifier on D's trunk.
Behaviour on a problem whose answer is known: two well-separated blobs and K = 2 must give one blob per generator."""

import numpy as np
import pytest
import torch

import ganforge
from ganforge.config.presets import build_config


@pytest.mark.parametrize("seed", [0, 1])
def test_each_generator_takes_one_mode(tmp_path, seed):
    rng = np.random.default_rng(0)
    blobs = np.concatenate([rng.normal((-2, 0), 0.1, (500, 2)), rng.normal((2, 0), 0.1, (500, 2))])
    np.save(tmp_path / "two.npy", blobs.astype(np.float32))
    cfg = build_config("mgan", "points", [
        f"data.path={tmp_path / 'two.npy'}", "model.z_categories=2", "train.steps=300", "model.g_width=32",
        "model.d_width=32", "model.g_depth=2", "model.d_depth=2", "train.batch_size=128", f"train.seed={seed}",
        "output.progress=false", "output.tensorboard=false", "train.sample_every=0", "train.eval_every=0",
        "train.ckpt_every=0", f"output.dir={tmp_path}"])
    G = ganforge.load(ganforge.train(cfg).run_dir)
    z = G.latent.sample(1000, torch.Generator().manual_seed(1))
    k, _ = G.latent.codes(z)
    left = G(z)[:, 0] < 0                                   # which blob each sample went to
    share_left = [left[k == j].float().mean().item() for j in range(2)]
    assert sorted(share_left) == pytest.approx([0.0, 1.0], abs=0.02), share_left   # one blob each, no bridges
