"""The engine's promises: exact resume, atomic checkpoints, clean stops on divergence and on signals."""

import json
import math
import os
import signal

import pytest
import torch

from ganforge.artifacts import checkpoint as ckpt_module
from ganforge.artifacts.checkpoint import CheckpointError, load_checkpoint
from ganforge.losses import LOSSES, GANLoss
from ganforge.training.engine import Trainer, TrainingDiverged, TrainingInterrupted, resume_trainer


def _assert_same_state(a: dict, b: dict) -> None:
    for key in ("G", "D", "G_ema"):
        if a[key] is None:
            assert b[key] is None
            continue
        assert a[key].keys() == b[key].keys()
        for name in a[key]:
            assert torch.equal(a[key][name], b[key][name]), f"{key}.{name} differs"
    for key in ("opt_G", "opt_D"):
        for pid, s in a[key]["state"].items():
            for name, value in s.items():
                assert torch.equal(torch.as_tensor(value), torch.as_tensor(b[key]["state"][pid][name])), f"{key}"
    assert torch.equal(a["rng"]["noise"], b["rng"]["noise"])
    assert a["rng"]["stream"]["batches_drawn"] == b["rng"]["stream"]["batches_drawn"]
    assert a["loss_state"].keys() == b["loss_state"].keys()
    for name, value in a["loss_state"].items():   # BEGAN's k_t
        assert torch.equal(torch.as_tensor(value), torch.as_tensor(b["loss_state"][name])), f"loss_state.{name}"


CASES = {
    # gan's 2-D schedule decays the rate to 0 at train.steps; a run extended from 100 to 200 steps has another
    # schedule than one planned for 200, so the comparison switches decay off (the SIGTERM test covers decay).
    "gan": ("gan", "grid25", "optim.lr_decay=none"),
    "wgan-gp+ema": ("wgan-gp", "ring8", "train.ema=0.9"),
    "wgan": ("wgan", "grid25"),
    "lsgan": ("lsgan", "ring8"),
    # spectral norm's u, v (buffers) and BEGAN's k_t (a fast gain, so that k_t moves in 200 tiny steps)
    "began+sn": ("began", "ring8", "optim.lr_decay=none", "model.spectral_norm=both", "loss.began_lambda_k=0.05"),
    # VBN's fixed reference batch and the minibatch layers in D's head, with G_ema averaging a VBN G
    "sngan+vbn+minibatch": ("sngan", "ring8", "model.g_norm=virtual", "model.vbn_ref_size=16", "model.mbstd_group=4",
                            "model.mbdisc_kernels=4", "train.ema=0.9"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_resume_is_bit_identical(tiny_config, tmp_path, case):
    preset, data, *extra = CASES[case]
    straight = Trainer(tiny_config(preset, data, "train.steps=200", *extra), run_dir=tmp_path / "straight").fit()
    first = Trainer(tiny_config(preset, data, "train.steps=100", *extra), run_dir=tmp_path / "split").fit()
    assert first.step == 100
    resumed = resume_trainer(first.run_dir, ["train.steps=200"]).fit()
    assert resumed.step == 200
    _assert_same_state(load_checkpoint(straight.checkpoint), load_checkpoint(resumed.checkpoint))


def test_began_k_moves_inside_the_unit_interval_and_is_checkpointed(tiny_config, tmp_path):
    result = Trainer(tiny_config("began", "ring8", "train.steps=60", "loss.began_lambda_k=0.05", "train.log_every=1"),
                     run_dir=tmp_path / "run").fit()
    records = [json.loads(line) for line in (result.run_dir / "metrics.jsonl").read_text().splitlines()]
    ks = [r["began/k"] for r in records]
    assert all(0.0 <= k <= 1.0 for k in ks) and max(ks) > 0.0
    assert all(r["began/M_global"] > 0 for r in records)
    k = load_checkpoint(result.checkpoint)["loss_state"]["k"]
    assert 0.0 <= float(k) <= 1.0 and float(k) == pytest.approx(ks[-1], abs=1e-7)  # the last k is saved


def test_vbn_checkpoint_samples_exactly_like_the_trained_generator(tiny_config, tmp_path):
    """G's reference batch travels in the checkpoint: a loaded G needs neither the dataset nor the training RNG."""
    import ganforge

    cfg = tiny_config("gan", "ring8", "train.steps=15", "model.g_norm=virtual", "model.vbn_ref_size=16")
    trainer = Trainer(cfg, run_dir=tmp_path / "run")
    result = trainer.fit()
    z = torch.randn(50, trainer.z_dim, generator=torch.Generator().manual_seed(9))
    expected = trainer.to_data_coords(trainer.generate(z))
    torch.manual_seed(1234)   # whatever the global RNG holds, the loaded G's reference batch comes from the file
    loaded = ganforge.load(result.checkpoint)
    assert torch.equal(loaded.G.z_ref, trainer.G.z_ref)
    torch.testing.assert_close(loaded(z), expected, rtol=0, atol=0)


@pytest.mark.parametrize("preset", ["sngan", "began", "ebgan"])
def test_new_presets_train_a_few_steps_on_ring8(tiny_config, tmp_path, preset):
    result = Trainer(tiny_config(preset, "ring8", "train.steps=10", "train.sample_every=5"),
                     run_dir=tmp_path / preset).fit()
    final = json.loads((result.run_dir / "metrics.json").read_text())
    assert final["step"] == 10 and all(math.isfinite(final[k]) for k in ("loss/D", "loss/G"))
    expected = {"sngan": {"D/real", "D/fake"}, "began": {"began/k", "began/M_global", "energy/real"},
                "ebgan": {"reg/pullaway", "energy/real", "energy/fake"}}[preset]
    assert expected <= final.keys()
    assert (result.run_dir / "samples" / "step_0000005.png").is_file()


@pytest.mark.parametrize("preset", ["began", "ebgan"])
def test_energy_presets_train_on_images_with_the_conv_autoencoder(tiny_config, tmp_path, preset):
    from ganforge.models.dcgan import ConvAutoencoder

    cfg = tiny_config(preset, "digits", "train.steps=3", "model.g_width=4", "model.d_width=4", "model.z_dim=8",
                      "model.d_code=8")
    trainer = Trainer(cfg, run_dir=tmp_path / preset)
    assert isinstance(trainer.D, ConvAutoencoder)
    result = trainer.fit()
    assert result.step == 3 and math.isfinite(result.metrics["loss/D"])


def test_minibatch_d_on_points_skips_the_heat_map_only(tiny_config, tmp_path, monkeypatch):
    """A grid point's logit would depend on its grid neighbours, so the scatter has no heat map; samples still come."""
    from ganforge.artifacts import plots

    critics = []
    original = plots.save_scatter

    def spy(*args, **kwargs):
        critics.append(kwargs.get("critic"))
        return original(*args, **kwargs)

    monkeypatch.setattr("ganforge.training.engine.save_scatter", spy)
    Trainer(tiny_config("gan", "ring8", "train.steps=2", "model.mbstd_group=4"), run_dir=tmp_path / "a").fit()
    Trainer(tiny_config("gan", "ring8", "train.steps=2"), run_dir=tmp_path / "b").fit()
    assert critics[0] is None and critics[1] is not None


def test_resume_is_bit_identical_on_images_with_batchnorm(tiny_config, tmp_path):
    over = ["train.steps=12", "data.name=digits", "model.name=dcgan", "model.g_width=4", "model.d_width=4",
            "train.batch_size=64"]  # 1797 digits / 64 = 28 batches per epoch: 12 steps x n_critic 5 crosses epochs
    straight = Trainer(tiny_config("wgan-gp", "digits", *over), run_dir=tmp_path / "a").fit()
    half = over[:]
    half[0] = "train.steps=6"
    first = Trainer(tiny_config("wgan-gp", "digits", *half), run_dir=tmp_path / "b").fit()
    resumed = resume_trainer(first.checkpoint, ["train.steps=12"]).fit()
    _assert_same_state(load_checkpoint(straight.checkpoint), load_checkpoint(resumed.checkpoint))


def test_run_directory_holds_every_artifact(tiny_config, tmp_path):
    result = Trainer(tiny_config("gan", "grid25", "train.steps=20", "train.sample_every=10"),
                     run_dir=tmp_path / "run").fit()
    d = result.run_dir
    for name in ("config.yaml", "metrics.jsonl", "metrics.json", "samples.png", "curves.png",
                 "checkpoints/last.pt", "samples/step_0000010.png"):
        assert (d / name).is_file(), name
    final = json.loads((d / "metrics.json").read_text())
    assert final["step"] == 20 and {"toy/modes", "toy/hq", "toy/reverse_kl", "toy/spread"} <= final.keys()
    records = [json.loads(line) for line in (d / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in records] == [10, 20] and "loss/D" in records[0]


def test_crash_while_writing_keeps_the_previous_checkpoint(tiny_config, tmp_path, monkeypatch):
    trainer = Trainer(tiny_config("gan", "grid25", "train.steps=5"), run_dir=tmp_path / "run")
    trainer.fit()
    good = load_checkpoint(trainer.last_checkpoint)

    def torn_save(obj, f):
        f.write(b"PK\x03\x04 half a checkpoint")
        raise OSError("disk full (simulated)")

    monkeypatch.setattr(ckpt_module.torch, "save", torn_save)
    with pytest.raises(OSError, match="simulated"):
        trainer.save()
    monkeypatch.undo()
    again = load_checkpoint(trainer.last_checkpoint)
    assert again["step"] == good["step"] == 5
    assert not [p for p in (tmp_path / "run" / "checkpoints").iterdir() if p.suffix == ".tmp"]


def test_corrupt_and_missing_checkpoints_are_clear_errors(tmp_path):
    with pytest.raises(CheckpointError, match="not found"):
        load_checkpoint(tmp_path / "nope.pt")
    bad = tmp_path / "bad.pt"
    bad.write_bytes(os.urandom(1000))
    with pytest.raises(CheckpointError, match="corrupt"):
        load_checkpoint(bad)
    plain = tmp_path / "plain.pt"
    torch.save({"weights": torch.zeros(3)}, plain)
    with pytest.raises(CheckpointError, match="not a ganforge checkpoint"):
        load_checkpoint(plain)


def test_checkpoint_with_code_in_it_is_refused(tmp_path):
    class Evil:
        def __reduce__(self):
            return (os.system, ("echo pwned",))

    path = tmp_path / "evil.pt"
    torch.save({"format": "ganforge.checkpoint", "payload": Evil()}, path)
    with pytest.raises(CheckpointError, match="corrupt or not a ganforge checkpoint"):
        load_checkpoint(path)


def test_divergence_stops_and_keeps_last_good_checkpoint(tiny_config, tmp_path):
    trainer = Trainer(tiny_config("gan", "grid25", "train.steps=100", "train.ckpt_every=20"),
                      run_dir=tmp_path / "run")
    calls = {"n": 0}
    ns = LOSSES.get("ns")

    def poisoned_g_loss(fake_logits, real_logits=None):
        calls["n"] += 1
        loss = ns.g_loss(fake_logits, real_logits)
        return loss * float("nan") if calls["n"] > 45 else loss

    trainer.loss = GANLoss("poisoned", ns.d_loss, poisoned_g_loss)
    with pytest.raises(TrainingDiverged, match=r"NaN or Inf.*checkpoints/last.pt"):
        trainer.fit()
    last = load_checkpoint(tmp_path / "run")
    assert last["step"] == 40  # the checkpoint before the NaN, not overwritten by NaN weights
    assert all(torch.isfinite(v).all() for v in last["G"].values())


def test_sigterm_checkpoints_and_resume_matches_uninterrupted(tiny_config, tmp_path):
    # A decaying learning rate and EMA too: both must pick up exactly where they stopped.
    over = ("train.steps=60", "optim.lr_decay=linear", "train.ema=0.9", "train.ema_start=10")
    straight = Trainer(tiny_config("gan", "ring8", *over), run_dir=tmp_path / "a").fit()
    trainer = Trainer(tiny_config("gan", "ring8", *over), run_dir=tmp_path / "b")
    original_next = trainer.stream.next

    def next_then_signal():
        if trainer.stream.batches_drawn == 25:
            os.kill(os.getpid(), signal.SIGTERM)
        return original_next()

    trainer.stream.next = next_then_signal
    with pytest.raises(TrainingInterrupted, match="SIGTERM at step 26.*--resume"):
        trainer.fit()
    assert load_checkpoint(tmp_path / "b")["step"] == 26
    resumed = resume_trainer(tmp_path / "b").fit()
    _assert_same_state(load_checkpoint(straight.checkpoint), load_checkpoint(resumed.checkpoint))
    steps = [json.loads(line)["step"] for line in (tmp_path / "b" / "metrics.jsonl").read_text().splitlines()]
    assert steps == sorted(steps) and steps[-1] == 60


def test_same_seed_same_result_different_seed_different(tiny_config, tmp_path):
    a = Trainer(tiny_config("gan", "grid25", "train.steps=10"), run_dir=tmp_path / "a").fit()
    b = Trainer(tiny_config("gan", "grid25", "train.steps=10"), run_dir=tmp_path / "b").fit()
    c = Trainer(tiny_config("gan", "grid25", "train.steps=10", "train.seed=1"), run_dir=tmp_path / "c").fit()
    ga, gb, gc = (load_checkpoint(r.checkpoint)["G"] for r in (a, b, c))
    assert all(torch.equal(ga[k], gb[k]) for k in ga)
    assert not all(torch.equal(ga[k], gc[k]) for k in ga)


def test_max_minutes_stops_early_with_every_artifact(tiny_config, tmp_path):
    result = Trainer(tiny_config("gan", "grid25", "train.steps=1000000", "train.max_minutes=0.002"),
                     run_dir=tmp_path / "run").fit()
    assert 1 <= result.step < 1000000
    assert load_checkpoint(result.checkpoint)["step"] == result.step
    assert (tmp_path / "run" / "samples.png").is_file() and (tmp_path / "run" / "metrics.json").is_file()


def test_image_scores_during_training_keep_the_best_checkpoint(tiny_config, tmp_path, monkeypatch):
    from ganforge.metrics.classifier import train_classifier

    monkeypatch.setenv("GANFORGE_HOME", str(tmp_path / "home"))
    train_classifier("digits", epochs=1, progress=False)
    cfg = tiny_config("dcgan", "digits", "train.steps=4", "train.eval_every=2", "model.g_width=4",
                      "model.d_width=4", "eval.metrics=fid,kid", "eval.n=200", "eval.best=fid")
    result = Trainer(cfg, run_dir=tmp_path / "run").fit()
    records = [json.loads(line) for line in (result.run_dir / "metrics.jsonl").read_text().splitlines()]
    scored = [r for r in records if "eval/fid_classifier" in r]
    assert [r["step"] for r in scored] == [2, 4] and all(r["eval/fid_classifier"] > 0 for r in scored)
    best = json.loads((result.run_dir / "best_eval.json").read_text())
    assert best["value"] == min(r["eval/fid_classifier"] for r in scored)
    assert load_checkpoint(result.run_dir / "checkpoints" / "best.pt")["step"] == best["step"]


def test_image_scores_need_a_classifier_and_say_so_before_training(tiny_config, tmp_path, monkeypatch):
    monkeypatch.setenv("GANFORGE_HOME", str(tmp_path / "empty"))
    cfg = tiny_config("dcgan", "digits", "train.steps=4", "model.g_width=4", "model.d_width=4", "eval.metrics=fid")
    trainer = Trainer(cfg, run_dir=tmp_path / "run")
    with pytest.raises(FileNotFoundError, match="ganforge classifier train digits"):
        trainer.fit()
    assert trainer.step == 0
