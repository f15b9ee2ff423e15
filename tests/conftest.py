"""Shared fixtures: tiny configs that train in well under a second on a CPU."""

from __future__ import annotations

import pytest
import torch

from ganforge.config.presets import build_config

TINY = ["model.g_width=32", "model.d_width=32", "model.g_depth=2", "model.d_depth=2", "model.z_dim=8",
        "train.batch_size=32", "train.log_every=10", "train.sample_every=0", "train.eval_every=0",
        "train.ckpt_every=0", "output.progress=false", "output.tensorboard=false", "output.n_samples=16"]


@pytest.fixture(autouse=True)
def _one_thread():
    # Bit-exact comparisons and small ops are both happier on one thread; restore afterwards.
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


@pytest.fixture
def tiny_config(tmp_path):
    def make(preset: str = "gan", data: str = "grid25", *overrides: str):
        cfg = build_config(preset, data, [*TINY, f"output.dir={tmp_path}", *overrides])
        return cfg

    return make
