"""InfoGAN's mutual-information term and the semi-supervised GAN in training: where the gradients go, the labelled
subset, exact resume, the traversal picture and the configuration errors."""

import json

import pytest
import torch

from ganforge.artifacts.checkpoint import load_checkpoint
from ganforge.config import ConfigError
from ganforge.config.presets import build_config
from ganforge.config.validate import validate
from ganforge.data import build_dataset, labelled_subset
from ganforge.models import DataSpec, build_models
from ganforge.models.base import weight_norm_init_from_data
from ganforge.training.engine import Trainer, resume_trainer
from ganforge.training.step import info_term

from .test_engine import _assert_same_state

SMALL = ["model.name=dcgan", "model.g_width=4", "model.d_width=4", "train.batch_size=32", "model.z_dim=6"]
INFO = [*SMALL, "model.z_categories=10", "model.z_continuous=2"]
# the sgan preset's D (weight norm, noise) at digits size, 10 labels per class
SGAN_DIGITS = [*SMALL, "model.name=mlp", "model.d_width=null", "model.d_widths=[32, 16]", "data.labels_per_class=10"]


@pytest.mark.parametrize("family", ["dcgan", "infogan"])
def test_mi_term_reaches_g_and_q_only_not_ds_real_fake_output(family):
    """-L_I reads D.features of G(z) through Q: G, Q and the shared trunk get gradients; psi, D's real/fake output
    layer, gets none (its gradient stays None)."""
    cfg = build_config("infogan", "digits", [*INFO, f"model.name={family}"])
    torch.manual_seed(0)
    G, D = build_models(cfg.model, DataSpec("images", (1, 8, 8), 10))
    z = G.latent.sample(16, torch.Generator().manual_seed(1))
    mi, stats = info_term(D, D.features(G(z)), G.latent.codes(z))
    mi.backward()
    assert set(stats) == {"info/cat", "info/cont"}
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in G.parameters() if p.requires_grad)
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in D.q.parameters())
    psi = D.net[-1]
    assert all(p.grad is None for p in psi.parameters())


def test_labelled_subset_is_balanced_and_seeded():
    ds = build_dataset(build_config("gan", "digits").data)
    a, b, other = labelled_subset(ds, 3, seed=0), labelled_subset(ds, 3, seed=0), labelled_subset(ds, 3, seed=1)
    assert torch.bincount(a.labels, minlength=10).tolist() == [3] * 10
    assert torch.equal(a.images, b.images) and torch.equal(a.labels, b.labels)
    assert not torch.equal(a.images, other.images)
    # every labelled image is one of the dataset's images of that class
    for x, y in zip(a.images, a.labels):
        assert (ds.images[ds.labels == y] == x).flatten(1).all(1).any()


# lr_decay none: the preset's linear decay ends at train.steps, which the first half of a resumed run sets lower
SGAN_SMALL = [*SMALL, "model.name=mlp", "optim.lr_decay=none", "data.labels_per_class=4", "model.d_widths=null",
              "model.d_depth=2", "model.d_norm=none", "model.d_input_noise=0", "model.d_hidden_noise=0"]
# Salimans's D, small: Gaussian noise on the input and hidden layers (torch's generator, in the checkpointed RNG
# state) and weight norm (g and v in D's state dict)
SGAN_NOISE = [*SMALL, "model.name=mlp", "optim.lr_decay=none", "data.labels_per_class=4", "model.d_width=null",
              "model.d_widths=[12, 6]", "model.d_norm=weight", "model.d_input_noise=0.6", "model.d_hidden_noise=0.5"]


@pytest.mark.parametrize("case", ["infogan", "sgan", "sgan-noise"])
def test_resume_is_bit_identical_for_infogan_and_sgan(tiny_config, tmp_path, case):
    """Q's weights are D's and checkpointed with it; the labelled stream's position goes with the RNG states; D's
    noise layers draw from torch's generator, whose state the checkpoint holds."""
    extra = {"infogan": INFO, "sgan": SGAN_SMALL, "sgan-noise": SGAN_NOISE}[case]
    preset = case.split("-")[0]
    make = lambda steps, where: Trainer(tiny_config(preset, "digits", *extra, f"train.steps={steps}"),  # noqa: E731
                                        run_dir=tmp_path / where)
    straight = make(12, "a").fit()
    first = make(6, "b").fit()
    resumed = resume_trainer(first.checkpoint, ["train.steps=12"]).fit()
    a, b = load_checkpoint(straight.checkpoint), load_checkpoint(resumed.checkpoint)
    _assert_same_state(a, b)
    if case == "sgan-noise":
        assert any("original0" in k for k in a["D"])   # weight norm's g is in the checkpoint
    if case.startswith("sgan"):
        assert a["rng"]["labelled"]["batches_drawn"] == b["rng"]["labelled"]["batches_drawn"] == 12
        assert "semi/sup" in json.loads((tmp_path / "a" / "metrics.json").read_text())
    else:
        assert (tmp_path / "a" / "samples" / "traversal.png").is_file()
        assert "info/cat_G" in json.loads((tmp_path / "a" / "metrics.json").read_text())


@pytest.mark.parametrize("overrides, message", [
    (["model.info_head=true"], "predicts G's latent codes, and there are none"),
    (["loss.info_weight=1"], "needs model.info_head=true"),
    (["model.info_head=true", "model.z_continuous=2", "loss.info_weight=0"], "'loss.info_weight' must be > 0"),
    (["model.z_continuous=-1"], "'model.z_continuous' must be >= 0"),
    (["model.info_head=true", "model.z_categories=10", "model.pack=2"], "does not combine with model.info_head"),
    (["model.semi_supervised=true"], "needs a labelled subset: set data.labels_per_class"),
    (["data.labels_per_class=10"], "set model.semi_supervised=true"),
    (["model.semi_supervised=true", "data.labels_per_class=10", "loss.name=hinge"], "needs loss.name=ns"),
    (["model.semi_supervised=true", "data.labels_per_class=10", "model.conditioning=acgan"],
     "needs model.conditioning=none"),
])
def test_info_and_semi_config_errors_are_clear(overrides, message):
    with pytest.raises(ConfigError, match=message):
        validate(build_config("gan", "digits", overrides))


def test_sgan_on_unlabelled_data_is_a_clear_error(tiny_config, tmp_path):
    with pytest.raises(ConfigError, match="has no labels"):
        Trainer(tiny_config("gan", "ring8", "model.semi_supervised=true", "data.labels_per_class=2"),
                run_dir=tmp_path)


def test_classifier_accuracy_counts_argmax_hits_and_the_baseline_learns_from_the_labels(tiny_config):
    from ganforge.training.semi import classifier_accuracy, train_labels_only

    # the preset's D (weight norm with its data-dependent init, Gaussian noise), narrower
    cfg = tiny_config("sgan", "digits", *SMALL, "model.name=mlp", "model.d_width=null", "model.d_widths=[32, 16]",
                      "data.labels_per_class=10", "train.batch_size=50", "optim.d_lr=3e-3")
    ds = build_dataset(cfg.data)
    torch.manual_seed(cfg.train.seed)
    _, D0 = build_models(cfg.model, DataSpec("images", (1, 8, 8), 10))   # the GAN run's initial D
    assert weight_norm_init_from_data(cfg.model, D0, ds, "cpu") == 3     # two hidden layers and the K-class head
    with torch.no_grad():
        x, y = ds.batch(torch.arange(300))
        want = (D0.classify(D0.eval().features(x)).argmax(1) == y).float().mean().item()
    assert classifier_accuracy(D0, ds.images[:300], ds.labels[:300], batch_size=64) == pytest.approx(want)
    untrained = train_labels_only(cfg, 0)
    assert all(torch.equal(a, b) for a, b in zip(untrained.state_dict().values(), D0.state_dict().values()))
    trained = train_labels_only(cfg, 100)
    assert classifier_accuracy(trained, ds.images, ds.labels) > 0.6      # 100 labels, 10 classes: chance is 0.1


def test_trainer_runs_weight_norms_data_dependent_init_before_the_first_step(tiny_config, tmp_path):
    """model.d_norm=weight: D's first layer starts with unit-std, zero-mean pre-activations per unit on the first 500
    training images (the init batch), checked on a fresh Trainer before any step. Without noise layers exactly; with
    D's input noise on (the init pass runs with it, as Salimans et al.'s) the clean images' std is below 1 and that
    of the noisy ones 1 up to the sampling error of a fresh noise draw."""
    quiet = tiny_config("sgan", "digits", *SGAN_NOISE, "model.d_input_noise=0", "model.d_hidden_noise=0")
    D = Trainer(quiet, run_dir=tmp_path / "quiet").D
    x, _ = build_dataset(quiet.data).batch(torch.arange(500))
    x = x.flatten(1)
    with torch.no_grad():
        pre = D.net[0](x)                                # the first Linear
    torch.testing.assert_close(pre.mean(0), torch.zeros(12), atol=1e-4, rtol=0)
    torch.testing.assert_close(pre.std(0), torch.ones(12), atol=1e-4, rtol=0)
    D = Trainer(tiny_config("sgan", "digits", *SGAN_NOISE), run_dir=tmp_path / "noisy").D
    with torch.no_grad():
        clean = D.net[1](x)                              # net[0] is the input noise (std 0.6), net[1] the Linear
        noisy = torch.stack([D.net[1](x + 0.6 * torch.randn_like(x)) for _ in range(20)])   # [20, 500, 12]
    assert (clean.std(0) < 0.95).all()
    assert (noisy.std(1).mean(0) - 1).abs().max() < 0.1


def test_semi_supervised_runs_log_ds_held_out_accuracy_at_each_evaluation(tiny_config, tmp_path):
    """semi/test_acc is D's argmax accuracy on the held-out digits (360 images the labelled subset never holds),
    logged every train.eval_every steps and at the end; the last value is that of the final D."""
    from ganforge.metrics.classifier import load_split
    from ganforge.training.semi import classifier_accuracy

    cfg = tiny_config("sgan", "digits", *SGAN_DIGITS, "train.steps=30", "train.eval_every=10")
    trainer = Trainer(cfg, run_dir=tmp_path / "run")
    result = trainer.fit()
    records = [json.loads(line) for line in (result.run_dir / "metrics.jsonl").read_text().splitlines()]
    logged = [(r["step"], r["semi/test_acc"]) for r in records if "semi/test_acc" in r]
    assert [step for step, _ in logged] == [10, 20, 30]
    images, labels = load_split("digits", "test")
    assert len(labels) == 360
    assert logged[-1][1] == pytest.approx(classifier_accuracy(trainer.D, images, labels))
    assert result.metrics["semi/test_acc"] == logged[-1][1]


def test_other_runs_log_no_semi_supervised_accuracy(tiny_config, tmp_path):
    result = Trainer(tiny_config("acgan", "digits", *SMALL, "train.steps=4", "train.eval_every=2"),
                     run_dir=tmp_path / "run").fit()
    assert "semi/test_acc" not in result.metrics


def test_d_ema_is_the_decay_weighted_mean_of_ds_iterates(tiny_config, tmp_path):
    """train.d_ema = a, bias-corrected: after t G steps D_ema = sum_i a^(t-i) D_i / sum_i a^(t-i) over the iterates
    D_1..D_t, written out here for t = 3, with no share of the initial weights D_0 (Salimans et al. average from
    zeros and rescale: the same mean)."""
    a = 0.6
    trainer = Trainer(tiny_config("sgan", "digits", *SGAN_DIGITS, "train.steps=3", f"train.d_ema={a}"),
                      run_dir=tmp_path / "run")
    iterates = []
    for _ in range(3):
        trainer.train_step()
        iterates.append({k: v.detach().clone() for k, v in trainer.D.named_parameters()})
    weights = [a ** 2, a, 1.0]
    for k, p in trainer.D_ema.named_parameters():
        want = sum(w * it[k] for w, it in zip(weights, iterates)) / sum(weights)
        torch.testing.assert_close(p, want, rtol=0, atol=1e-6)
    assert any(not torch.equal(iterates[0][k], iterates[2][k]) for k in iterates[0])


def test_debiased_decay_leaves_nothing_to_the_start():
    from ganforge.training.ema import debiased_decay

    assert debiased_decay(0.9999, 1) == 0.0                     # A_1 = theta_1
    assert debiased_decay(0.5, 2) == pytest.approx(1 / 3)       # (theta_1 / 2 + theta_2) / (3 / 2)
    assert debiased_decay(0.9, 10_000) == pytest.approx(0.9)    # the plain EMA once decay^t is negligible
    with pytest.raises(ValueError, match="first update is t = 1"):
        debiased_decay(0.9, 0)


def test_d_ema_is_checkpointed_resumed_exactly_and_scored(tiny_config, tmp_path):
    from ganforge.metrics.classifier import load_split
    from ganforge.training.semi import classifier_accuracy

    over = [*SGAN_DIGITS, "train.d_ema=0.9", "train.eval_every=4", "optim.lr_decay=none"]  # decay depends on steps
    straight_trainer = Trainer(tiny_config("sgan", "digits", *over, "train.steps=8"), run_dir=tmp_path / "a")
    straight = straight_trainer.fit()
    first = Trainer(tiny_config("sgan", "digits", *over, "train.steps=4"), run_dir=tmp_path / "b").fit()
    resumed = resume_trainer(first.run_dir, ["train.steps=8"]).fit()
    a, b = load_checkpoint(straight.checkpoint), load_checkpoint(resumed.checkpoint)
    assert a["D_ema"] is not None and a["D_ema"].keys() == b["D_ema"].keys()
    assert all(torch.equal(a["D_ema"][k], b["D_ema"][k]) for k in a["D_ema"])
    images, labels = load_split("digits", "test")
    assert straight.metrics["semi/test_acc_ema"] == pytest.approx(
        classifier_accuracy(straight_trainer.D_ema, images, labels))


@pytest.mark.parametrize("overrides, message", [
    (["train.d_ema=1"], r"'train.d_ema' must be in \[0, 1\)"),
    (["model.semi_supervised=false", "train.d_ema=0.99"], "only a semi-supervised run"),
])
def test_d_ema_config_errors(overrides, message):
    with pytest.raises(ConfigError, match=message):
        validate(build_config("sgan", "digits", overrides))
