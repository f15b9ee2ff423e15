"""The engine's promises: exact resume, atomic checkpoints, clean stops on divergence and on signals."""

import json
import math
import os
import signal

import numpy as np
import pytest
import torch

from ganforge.artifacts import checkpoint as ckpt_module
from ganforge.artifacts.checkpoint import CheckpointError, load_checkpoint
from ganforge.losses import LOSSES, GANLoss
from ganforge.training.engine import Trainer, TrainingDiverged, TrainingInterrupted, resume_trainer


def _assert_same_state(a: dict, b: dict) -> None:
    for key in ("G", "D", "G_ema", "E"):       # E: the VAE's encoder, None in GAN runs
        if a[key] is None:
            assert b[key] is None
            continue
        assert a[key].keys() == b[key].keys()
        for name in a[key]:
            assert torch.equal(a[key][name], b[key][name]), f"{key}.{name} differs"
    for key in ("opt_G", "opt_D", "opt_E"):
        if a[key] is None:
            assert b[key] is None
            continue
        for pid, s in a[key]["state"].items():
            for name, value in s.items():
                assert torch.equal(torch.as_tensor(value), torch.as_tensor(b[key]["state"][pid][name])), f"{key}"
    assert torch.equal(a["rng"]["noise"], b["rng"]["noise"])
    for key in ("hist_G", "hist_D"):
        assert (a.get(key) is None) == (b.get(key) is None), key
        if a.get(key) is not None:
            assert a[key]["count"] == b[key]["count"]
            assert all(torch.equal(x, y) for x, y in zip(a[key]["mean"], b[key]["mean"])), f"{key} mean differs"
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
    # Historical averages (state), instance noise (annealed, drawn from the checkpointed generator; its end step set
    # so that the schedule does not hang on train.steps), lazy R1 (due by the D-update count) and label smoothing.
    # an energy loss with the tricks it takes: historical averages of G and the autoencoder D, instance noise
    "ebgan+tricks": ("ebgan", "ring8", "optim.lr_decay=none", "reg.hist_weight=0.1", "reg.instance_noise=0.2",
                     "reg.instance_noise_end=150", "reg.ortho_weight=1e-3", "reg.ortho_nets=both"),
    # the VAE: encoder and its optimiser in their own slots, eps drawn from the checkpointed noise generator
    "vae": ("vae", "grid25", "optim.lr_decay=none"),
    "vaegan": ("vaegan", "ring8", "optim.lr_decay=none"),
    # BiGAN: E and opt_E in the VAE's slots, dropout in the joint D (torch's global generator), recon/* evaluated
    # mid-run (it must not touch training's generators); ALI: eps from the noise generator, k D steps, G_ema
    "bigan": ("bigan", "grid25", "optim.lr_decay=none", "train.eval_every=50"),
    "ali": ("bigan", "ring8", "optim.lr_decay=none", "model.encoder=gaussian", "train.n_critic=2", "train.ema=0.9"),
    "gan+tricks": ("gan", "grid25", "optim.lr_decay=none", "reg.hist_weight=0.1", "reg.instance_noise=0.2",
                   "reg.instance_noise_end=150", "reg.r1_gamma=1", "reg.reg_every=4", "loss.real_label=0.9"),
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


def test_historical_average_penalty_is_the_distance_to_the_mean_of_past_weights(tiny_config, tmp_path):
    """Brute force: keep every past snapshot of G and D, and compare ||theta - mean(snapshots)||^2 with what each
    step's penalty was (0 before the first snapshot)."""
    trainer = Trainer(tiny_config("gan", "ring8", "reg.hist_weight=0.5", "train.steps=6"), run_dir=tmp_path / "run")
    past = {"G": [], "D": []}
    for _ in range(5):
        nets = {"G": trainer.G, "D": trainer.D}
        before = {k: [p.detach().clone() for p in net.parameters()] for k, net in nets.items()}
        stats = trainer.train_step()
        for k in nets:
            expected = 0.0
            if past[k]:
                means = [torch.stack([snap[i] for snap in past[k]]).mean(0) for i in range(len(before[k]))]
                expected = sum((p - m).pow(2).sum().item() for p, m in zip(before[k], means))
            assert stats[f"reg/hist_{k}"].item() == pytest.approx(expected, rel=1e-4, abs=1e-12), k
            past[k].append([p.detach().clone() for p in nets[k].parameters()])
    assert trainer.hist_G.count == trainer.hist_D.count == 5


def test_lazy_r1_runs_every_n_d_updates_with_the_corrected_optimiser(tiny_config, tmp_path):
    cfg = tiny_config("gan", "ring8", "train.steps=6", "train.log_every=6", "train.n_critic=2", "reg.r1_gamma=1",
                      "reg.reg_every=3", "optim.lr_decay=none")
    trainer = Trainer(cfg, run_dir=tmp_path / "run")
    group = trainer.opt_D.param_groups[0]
    c = 3 / 4  # StyleGAN2: lr * c, betas ** c with c = N / (N + 1)
    assert group["lr"] == pytest.approx(cfg.optim.d_lr * c)
    assert group["betas"] == pytest.approx((cfg.optim.beta1 ** c, cfg.optim.beta2 ** c))
    assert trainer.opt_G.param_groups[0]["lr"] == cfg.optim.g_lr
    seen = []
    original = trainer.train_step

    def recording_step():
        stats = original()
        seen.append(stats.get("reg/r1"))
        return stats

    trainer.train_step = recording_step
    trainer.fit()
    # D updates 0..11, two per G step: due at 0, 3, 6, 9 -> G steps 0, 1, 3, 4
    assert [i for i, r1 in enumerate(seen) if r1 is not None] == [0, 1, 3, 4]
    logged = json.loads((tmp_path / "run" / "metrics.jsonl").read_text().splitlines()[-1])
    # the log averages the penalty over the steps that ran it, not over all six
    assert logged["reg/r1"] == pytest.approx(np.mean([r.item() for r in seen if r is not None]), rel=1e-5)


def test_instance_noise_std_follows_its_schedule(tiny_config, tmp_path):
    trainer = Trainer(tiny_config("gan", "ring8", "train.steps=10", "reg.instance_noise=0.5"), run_dir=tmp_path / "a")
    assert [trainer.instance_noise_std(s) for s in (0, 5, 10)] == [0.5, 0.25, 0.0]  # end 0 = train.steps
    trainer = Trainer(tiny_config("gan", "ring8", "train.steps=10", "reg.instance_noise=0.5",
                                  "reg.instance_noise_end=4"), run_dir=tmp_path / "b")
    assert [trainer.instance_noise_std(s) for s in (0, 2, 4, 9)] == [0.5, 0.25, 0.0, 0.0]


def test_label_smoothing_reaches_the_trainers_loss(tiny_config, tmp_path):
    trainer = Trainer(tiny_config("gan", "ring8", "loss.real_label=0.9"), run_dir=tmp_path / "run")
    l_r, l_f = 2.0, -1.0
    softplus = lambda x: math.log1p(math.exp(x))  # noqa: E731
    expected = 0.9 * softplus(-l_r) + 0.1 * softplus(l_r) + softplus(l_f)
    assert trainer.loss.d_loss(torch.tensor([l_r]), torch.tensor([l_f])).item() == pytest.approx(expected, rel=1e-6)


SWITCHES = {
    "r1+r2": ("gan", "grid25", "reg.r1_gamma=1", "reg.r2_gamma=1"),
    "dragan": ("dragan", "grid25"),
    "ortho-both-full": ("gan", "grid25", "reg.ortho_weight=1e-4", "reg.ortho_nets=both",
                        "reg.ortho_off_diagonal=false"),
    "fm-only": ("gan", "grid25", "loss.fm_weight=1", "loss.fm_only=true"),
    "unrolled": ("unrolled", "grid25", "train.unroll=2"),
    "consensus+fm+r1": ("gan", "grid25", "train.consensus=1", "loss.fm_weight=0.5", "reg.r1_gamma=1"),
    "dcgan-unroll-noise-fm": ("r1gan", "digits", "model.name=dcgan", "model.g_width=4", "model.d_width=4",
                              "train.unroll=1", "reg.instance_noise=0.1", "loss.fm_weight=1"),
    "dcgan-consensus-hist-lazy": ("gan", "digits", "model.name=dcgan", "model.g_width=4", "model.d_width=4",
                                  "train.consensus=0.5", "reg.hist_weight=1", "reg.r2_gamma=1", "reg.reg_every=2"),
    # the architecture switches with the tricks (spectral norm through the unrolled and the consensus steps' double
    # backward, the minibatch layers under every penalty) and the energy losses with the tricks they take
    "sn-minibatch-unroll-r1": ("sngan", "grid25", "model.mbstd_group=4", "model.mbdisc_kernels=4", "train.unroll=2",
                               "reg.r1_gamma=1"),
    "sn-both-mbdisc-consensus-fm-dragan": ("gan", "grid25", "model.spectral_norm=both", "model.mbdisc_kernels=4",
                                           "train.consensus=1", "loss.fm_weight=1", "reg.dragan_weight=1"),
    "vbn-categories-gp-noise-ortho": ("wgan-gp", "ring8", "model.g_norm=virtual", "model.vbn_ref_size=16",
                                      "model.z_categories=4", "reg.instance_noise=0.1", "reg.ortho_weight=1e-4"),
    "dcgan-sn-mbstd-vbn-lazy-r2": ("gan", "digits", "model.name=dcgan", "model.g_width=4", "model.d_width=4",
                                   "model.spectral_norm=both", "model.mbstd_group=4", "model.g_norm=virtual",
                                   "model.vbn_ref_size=8", "reg.r2_gamma=1", "reg.reg_every=2"),
    "began-noise-ortho-hist": ("began", "ring8", "reg.instance_noise=0.1", "reg.ortho_weight=1e-4",
                               "reg.ortho_nets=both", "reg.hist_weight=0.1", "train.n_critic=2", "train.ema=0.9"),
    "ebgan-dcgan-sn-vbn-categories": ("ebgan", "digits", "model.g_width=4", "model.d_width=4", "model.z_dim=8",
                                      "model.spectral_norm=both", "model.g_norm=virtual", "model.vbn_ref_size=8",
                                      "model.z_categories=3", "reg.instance_noise=0.1"),
    # Salimans's D options (weight norm, per-layer widths, Gaussian noise layers) through the double backward of R1,
    # GP, the unrolled and the consensus steps, and weight norm on a DCGAN D
    "wn-widths-dnoise-unroll-r1-fm": ("gan", "grid25", "model.d_norm=weight", "model.d_width=null",
                                      "model.d_widths=[16, 8]", "model.d_input_noise=0.1", "model.d_hidden_noise=0.2",
                                      "train.unroll=2", "reg.r1_gamma=1", "loss.fm_weight=1"),
    "wn-dnoise-consensus-gp-hist-ortho": ("wgan-gp", "ring8", "model.d_norm=weight", "model.d_hidden_noise=0.2",
                                          "train.consensus=1", "train.n_critic=1", "reg.hist_weight=0.1",
                                          "reg.ortho_weight=1e-4", "reg.ortho_nets=d"),
    "dcgan-wn-unroll-dragan": ("gan", "digits", "model.name=dcgan", "model.g_width=4", "model.d_width=4",
                               "model.d_norm=weight", "train.unroll=1", "reg.dragan_weight=1"),
}


@pytest.mark.parametrize("case", sorted(SWITCHES))
def test_every_switch_trains_with_any_model(tiny_config, tmp_path, case):
    preset, data, *extra = SWITCHES[case]
    result = Trainer(tiny_config(preset, data, "train.steps=3", "train.log_every=3", *extra),
                     run_dir=tmp_path / "run").fit()
    assert result.step == 3 and all(math.isfinite(v) for k, v in result.metrics.items() if k.startswith("loss/"))


# ---- class-conditional runs ----------------------------------------------------------------------------------------

COND = ["data.name=digits", "model.name=dcgan", "model.g_width=4", "model.d_width=4", "train.batch_size=64"]


@pytest.mark.parametrize("preset", ["acgan", "cgan-projection"])
def test_resume_is_bit_identical_for_conditional_runs(tiny_config, tmp_path, preset):
    """AC-GAN (its classifier head and loss) and projection D + conditional BatchNorm in G (per-class gains, shared
    running statistics): labels come with the data batches, so resume needs no new state."""
    extra = ("model.g_conditioning=cbn",) if preset == "cgan-projection" else ()
    straight = Trainer(tiny_config(preset, "digits", *COND, *extra, "train.steps=12"), run_dir=tmp_path / "a").fit()
    first = Trainer(tiny_config(preset, "digits", *COND, *extra, "train.steps=6"), run_dir=tmp_path / "b").fit()
    resumed = resume_trainer(first.checkpoint, ["train.steps=12"]).fit()
    _assert_same_state(load_checkpoint(straight.checkpoint), load_checkpoint(resumed.checkpoint))
    if preset == "acgan":
        record = json.loads((tmp_path / "a" / "metrics.json").read_text())
        assert {"ac/real", "ac/fake", "ac/G", "ac/fake_acc"} <= record.keys()


# Every conditioning with the architecture switches (spectral norm on both nets, both minibatch layers, VBN in G where
# G does not read c through conditional BatchNorm, a categorical latent part) and one trick each.
COND_SWITCHES = {
    "input": ("cgan", "model.g_norm=virtual", "model.vbn_ref_size=10", "train.unroll=1"),
    "hidden": ("cgan", "model.conditioning=hidden", "model.g_norm=virtual", "model.vbn_ref_size=10",
               "reg.r1_gamma=1", "reg.reg_every=2"),
    "projection": ("cgan-projection", "model.g_conditioning=cbn", "train.consensus=0.5", "loss.fm_weight=1"),
    "acgan": ("acgan", "model.g_norm=virtual", "model.vbn_ref_size=10", "reg.gp_weight=1", "loss.fm_weight=1"),
}


@pytest.mark.parametrize("conditioning", sorted(COND_SWITCHES))
def test_every_conditioning_trains_with_the_architecture_switches(tiny_config, tmp_path, conditioning):
    from ganforge.nn import MinibatchDiscrimination, MinibatchStdDev, VirtualBatchNorm

    preset, *extra = COND_SWITCHES[conditioning]
    cfg = tiny_config(preset, "digits", *COND, "model.spectral_norm=both", "model.mbstd_group=4",
                      "model.mbdisc_kernels=3", "model.z_categories=3", "train.steps=3", "train.log_every=3", *extra)
    trainer = Trainer(cfg, run_dir=tmp_path / "run")
    assert trainer.num_classes == 10 and trainer.G.latent.categories == 3
    assert {MinibatchStdDev, MinibatchDiscrimination} <= {type(m) for m in trainer.D.modules()}
    if "model.g_norm=virtual" in extra:
        assert any(isinstance(m, VirtualBatchNorm) for m in trainer.G.modules()) and trainer.G.z_ref.shape[1] == 11
    result = trainer.fit()
    assert result.step == 3 and all(math.isfinite(v) for k, v in result.metrics.items() if k.startswith("loss/"))


def test_resume_is_bit_identical_for_a_conditional_run_with_every_switch(tiny_config, tmp_path):
    """VBN's reference batch (drawn from a categorical latent) with its balanced reference labels, spectral norm's
    u, v in G and D, minibatch layers and historical averages: a resumed run continues exactly."""
    extra = [*COND, "model.g_norm=virtual", "model.vbn_ref_size=10", "model.spectral_norm=both",
             "model.mbstd_group=4", "model.mbdisc_kernels=3", "model.z_categories=3", "reg.hist_weight=0.1"]
    straight = Trainer(tiny_config("cgan", "digits", *extra, "train.steps=8"), run_dir=tmp_path / "a").fit()
    first = Trainer(tiny_config("cgan", "digits", *extra, "train.steps=4"), run_dir=tmp_path / "b").fit()
    resumed = resume_trainer(first.checkpoint, ["train.steps=8"]).fit()
    _assert_same_state(load_checkpoint(straight.checkpoint), load_checkpoint(resumed.checkpoint))


def test_conditional_sample_grid_has_one_class_per_row(tiny_config, tmp_path, monkeypatch):
    from ganforge.training import engine

    trainer = Trainer(tiny_config("cgan", "digits", *COND, "train.steps=2", "output.n_samples=16"),
                      run_dir=tmp_path / "run")
    trainer.fit()
    grids = []
    monkeypatch.setattr(engine, "save_image_grid", lambda images, path, nrow=None: grids.append((images, nrow)))
    trainer.save_samples(tmp_path / "grid.png")
    images, nrow = grids[0]
    assert nrow == 2 and images.shape == (20, 1, 8, 8)  # 10 classes x ceil(16 / 10) columns
    for row in (0, 3, 9):
        for col in (0, 1):
            one = trainer.generate(trainer.fixed_z[col:col + 1], torch.tensor([row]))
            torch.testing.assert_close(images[row * nrow + col], one[0])


def test_conditional_checkpoint_rebuilds_g_without_the_dataset(tiny_config, tmp_path, monkeypatch):
    import ganforge
    from ganforge.data import DATASETS
    from ganforge.metrics.evaluate import generate_images

    result = Trainer(tiny_config("acgan", "digits", *COND, "train.steps=3"), run_dir=tmp_path / "run").fit()

    def no_data(name):
        raise AssertionError(f"the dataset {name} was read")

    monkeypatch.setattr(DATASETS, "get", no_data)
    G = ganforge.load(result.checkpoint)
    assert G.num_classes == 10 and G.G.num_classes == 10 and "10 classes" in repr(G)
    z = G.latent.sample(4, torch.Generator().manual_seed(0))
    x = G(z, torch.tensor([7, 7, 7, 7]))
    assert x.shape == (4, 1, 8, 8)
    torch.testing.assert_close(G(z), G(z, torch.tensor([0, 1, 2, 3])))  # no classes asked: balanced 0, 1, 2, ...
    assert generate_images(G, G.latent, 30, progress=False).shape == (30, 1, 8, 8)
    with pytest.raises(ValueError, match=r"class label 10 is outside \[0, 10\)"):
        G(z, torch.tensor([0, 1, 2, 10]))


def test_conditioning_on_unlabelled_data_is_a_clear_error(tiny_config, tmp_path):
    from ganforge.config import ConfigError

    with pytest.raises(ConfigError, match="model.conditioning=hidden needs class labels.*digits, mnist"):
        Trainer(tiny_config("gan", "ring8", "model.conditioning=hidden"), run_dir=tmp_path / "run")
