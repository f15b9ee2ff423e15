"""The same engine on a CUDA device: every preset trains a few steps there, its checkpoint loads and samples on the
CPU, and a CUDA run resumes where it stopped. Skipped where torch sees no GPU (CI has none; run these on a GPU
machine with `pytest tests/training/test_cuda.py`)."""

from __future__ import annotations

import math

import pytest
import torch

from ganforge.artifacts.checkpoint import load_checkpoint
from ganforge.config.presets import PRESETS, build_config
from ganforge.data import POINT_DATASETS
from ganforge.training.engine import Trainer, resume_trainer

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")

# Image presets train on the bundled 8x8 digits here (MNIST needs a download); 2-D presets keep their data.
IMAGE_STAND_IN = "digits"
# 2-D presets whose loss or trick also runs on images: checked there too (conv D, BatchNorm, penalties on 4-D x).
ALSO_ON_IMAGES = ["dcgan", "wgan-gp", "sngan", "r1gan", "dragan", "began", "vae", "vaegan", "unrolled"]


def _tiny_extra(preset: str) -> list[str]:
    """sgan sets D's widths layer by layer (model.d_widths), which the tiny configs' uniform d_width contradicts."""
    return ["model.d_width=null", "model.d_widths=[32, 16]"] if build_config(preset).model.d_widths else []


def _data_for(preset: str) -> str:
    data = build_config(preset).data.name
    return data if data in POINT_DATASETS else IMAGE_STAND_IN


def _train(tiny_config, tmp_path, preset: str, data: str, *extra: str):
    cfg = tiny_config(preset, data, "train.device=cuda", "train.steps=3", "train.log_every=1", *extra)
    trainer = Trainer(cfg, run_dir=tmp_path / f"{preset}-{data}")
    return trainer, trainer.fit()


def _check_run(trainer, result) -> None:
    assert trainer.device.type == "cuda"
    assert next(trainer.G.parameters()).is_cuda and next(trainer.D.parameters()).is_cuda
    assert result.step == 3
    assert all(math.isfinite(v) for k, v in result.metrics.items() if k.startswith("loss/")), result.metrics
    import ganforge

    G = ganforge.load(result.checkpoint, device="cpu")   # a GPU run's checkpoint serves a CPU user
    x = G.sample(8, seed=0)
    assert x.device.type == "cpu" and torch.isfinite(x).all()


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_every_preset_trains_on_cuda_and_its_checkpoint_samples_on_cpu(tiny_config, tmp_path, preset):
    _check_run(*_train(tiny_config, tmp_path, preset, _data_for(preset), *_tiny_extra(preset)))


@pytest.mark.parametrize("preset", ALSO_ON_IMAGES)
def test_image_runs_of_the_2d_presets_train_on_cuda(tiny_config, tmp_path, preset):
    _check_run(*_train(tiny_config, tmp_path, preset, IMAGE_STAND_IN, "model.name=dcgan", "model.g_width=8",
                       "model.d_width=8"))


@pytest.mark.parametrize("preset, data", [("wgan-gp", "grid25"), ("acgan", IMAGE_STAND_IN)])
def test_cuda_resume_continues_the_same_run(tiny_config, tmp_path, preset, data):
    """2 + 2 steps with a resume in between against 4 straight: the RNG states (CUDA's included) travel in the
    checkpoint. Equal to float tolerance: cuDNN may pick other (nondeterministic) kernels on a second start."""
    over = ["train.device=cuda", "train.log_every=1"]
    straight = Trainer(tiny_config(preset, data, *over, "train.steps=4"), run_dir=tmp_path / "straight").fit()
    first = Trainer(tiny_config(preset, data, *over, "train.steps=2"), run_dir=tmp_path / "split").fit()
    resumed = resume_trainer(first.run_dir, ["train.steps=4"]).fit()
    a, b = load_checkpoint(straight.checkpoint), load_checkpoint(resumed.checkpoint)
    assert a["step"] == b["step"] == 4
    for net in ("G", "D"):
        for name, tensor in a[net].items():
            torch.testing.assert_close(b[net][name], tensor, rtol=1e-4, atol=1e-5, msg=f"{net}.{name}")
