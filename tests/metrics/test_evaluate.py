"""evaluate(): a tiny checkpoint scored against the digits, every setting recorded, the reference cache.

A small random conv net behind CallableExtractor stands in for the classifier (its weights hash is
module_sha256), so nothing here needs MNIST or a trained classifier; scores are checked against recomputation
by hand and against facts (the reference against itself has FID 0 and full precision/recall/coverage).
"""

from __future__ import annotations

import json
import os

import numpy as np
import pytest
import torch
from torch import nn

import ganforge
from ganforge.cli.main import EXIT_BAD_INPUT, main
from ganforge.metrics.evaluate import (
    METRICS,
    PeriodicEvaluator,
    evaluate,
    evaluate_images,
    format_table,
    load_reference_images,
    parse_ref,
    reference_features,
)
from ganforge.metrics.extractors import CallableExtractor, extract_features, module_sha256, to_uint8
from ganforge.metrics.frechet import fid_from_features

TINY = ["model.g_width=4", "model.d_width=4", "model.z_dim=8", "train.batch_size=32", "train.steps=3",
        "train.sample_every=0", "train.ckpt_every=0", "train.log_every=1", "train.device=cpu",
        "output.progress=false", "output.tensorboard=false", "output.n_samples=16"]


class TinyNet(nn.Module):
    """[N, 1, 8, 8] in [-1, 1] -> {"features": [N, 16], "logits": [N, 10]}; eval-mode, batch-independent."""

    def __init__(self, seed: int) -> None:
        super().__init__()
        torch.manual_seed(seed)
        self.conv = nn.Conv2d(1, 8, 3, stride=2, padding=1)   # [N, 8, 4, 4]
        self.fc = nn.Linear(8 * 4 * 4, 16)
        self.head = nn.Linear(16, 10)

    def forward(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        f = torch.tanh(self.fc(torch.relu(self.conv(x)).flatten(1)))
        return {"features": f, "logits": self.head(f)}


def tiny_extractor(seed: int = 0) -> CallableExtractor:
    return CallableExtractor(TinyNet(seed), name="tiny", feature_names=("features", "logits"))


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    """A DCGAN on the 8x8 digits trained for 3 steps: a real checkpoint in a real run directory."""
    path = tmp_path_factory.mktemp("runs") / "dcgan-digits"
    ganforge.train(preset="dcgan", data="digits", overrides=TINY, run_dir=path)
    return path


# ----------------------------------------------------------------------------------------------------------
# The record
# ----------------------------------------------------------------------------------------------------------


def test_eval_record_holds_every_setting_and_matches_a_recomputation(run_dir, tmp_path):
    ext = tiny_extractor()
    result = evaluate(run_dir, n=120, ref="digits:all", extractor=ext, batch_size=50, seed=7,
                      cache_dir=tmp_path, progress=False)
    assert result["path"] == str(run_dir / "eval.json")
    on_disk = json.loads((run_dir / "eval.json").read_text())
    assert on_disk == {k: v for k, v in result.items() if k != "path"}

    expected = {"fid_tiny", "kid_tiny", "kid_tiny_std", "is_tiny", "is_tiny_std", "precision_tiny", "recall_tiny",
                "density_tiny", "coverage_tiny", "modes_covered_tiny", "modes_reverse_kl_tiny"}
    assert set(on_disk["scores"]) == expected
    assert [r["metric"] for r in on_disk["records"]] == list(METRICS)
    checkpoint = str((run_dir / "checkpoints" / "last.pt").resolve())
    for r in on_disk["records"]:
        assert r["value"] == on_disk["scores"][r["name"]]
        assert r["extractor"] == "tiny" and r["weights_hash"] == module_sha256(ext.fn)
        assert r["resize_mode"] == "none"
        assert r["feature"] == ("logits" if r["metric"] in ("is", "modes") else "features")
        assert r["n_generated"] == 120 and r["n_reference"] == 120  # min(n, 1797 digits)
        assert (r["ref_dataset"], r["ref_split"], r["ref_split_size"]) == ("digits", "all", 1797)
        assert r["generator"]["checkpoint"] == checkpoint and r["generator"]["step"] == 3
        assert r["generator"]["uses_ema"] is False  # the dcgan preset keeps no G_ema
        assert r["seed"] == 7 and r["ganforge_version"] == ganforge.__version__
        assert r["started"] <= r["finished"]
        assert {"generation_s", "features_s", "reference_s", "statistics_s"} <= set(r["timings"])
    kid = next(r for r in on_disk["records"] if r["metric"] == "kid")
    assert kid["params"]["subset_size"] == 120  # min(1000, n, n_ref)

    # Independent path: the public API's samples, converted and scored by hand, give the same FID.
    fake = to_uint8(ganforge.load(run_dir).sample(120, seed=7))
    reference = load_reference_images("digits", "all")
    index = np.random.default_rng(0).permutation(1797)[:120]  # the documented reference subset
    f_fake = extract_features(ext, fake)["features"]
    f_real = extract_features(ext, reference[torch.from_numpy(index)])["features"]
    assert on_disk["scores"]["fid_tiny"] == pytest.approx(fid_from_features(f_fake, f_real), rel=1e-9, abs=1e-9)
    assert "fid_tiny" in format_table(result) and "generation" in format_table(result)


def test_reference_against_itself_scores_fid_zero_and_full_precision_recall_coverage(tmp_path):
    images = load_reference_images("digits", "all")
    result = evaluate_images(images, metrics=("fid", "pr", "dc"), ref="digits:all", extractor=tiny_extractor(),
                             cache_dir=tmp_path, progress=False)
    s = result["scores"]
    assert abs(s["fid_tiny"]) < 1e-6
    assert s["precision_tiny"] == 1.0 and s["recall_tiny"] == 1.0 and s["coverage_tiny"] == 1.0
    assert result["settings"]["n_reference"] == 1797 and result["settings"]["ref_subset"] == "all"


# ----------------------------------------------------------------------------------------------------------
# The reference cache
# ----------------------------------------------------------------------------------------------------------


def test_reference_cache_is_reused_and_invalidated_by_n_and_weights(tmp_path):
    ext = tiny_extractor(0)
    first = reference_features("digits:train", ext, 200, cache_dir=tmp_path, progress=False)
    assert not first.cached and first.cache_path is not None and first.cache_path.is_file()
    mtime = os.stat(first.cache_path).st_mtime_ns
    again = reference_features("digits:train", ext, 200, cache_dir=tmp_path, progress=False)
    assert again.cached and again.cache_path == first.cache_path
    assert os.stat(first.cache_path).st_mtime_ns == mtime  # read, not rewritten
    assert np.array_equal(again.features["features"], first.features["features"])
    assert np.array_equal(again.sigma, first.sigma)

    other_n = reference_features("digits:train", ext, 300, cache_dir=tmp_path, progress=False)
    assert not other_n.cached and other_n.n == 300
    other_weights = reference_features("digits:train", tiny_extractor(1), 200, cache_dir=tmp_path, progress=False)
    assert not other_weights.cached and other_weights.cache_path != first.cache_path
    whole = reference_features("digits:train", ext, 10_000, cache_dir=tmp_path, progress=False)
    assert whole.n == 1437 and whole.subset == "all"  # n_ref = min(n, size of the split)


def test_a_cache_file_with_another_key_is_recomputed(tmp_path):
    ext = tiny_extractor(0)
    ref = reference_features("digits:test", ext, 100, cache_dir=tmp_path, progress=False)
    with np.load(ref.cache_path) as z:
        arrays = dict(z)
    key = json.loads(str(arrays["key"]))
    key["weights_hash"] = "0" * 64  # what a file written by other weights under this name would hold
    arrays["key"] = np.array(json.dumps(key, sort_keys=True))
    np.savez(ref.cache_path, **arrays)
    again = reference_features("digits:test", ext, 100, cache_dir=tmp_path, progress=False)
    assert not again.cached
    assert reference_features("digits:test", ext, 100, cache_dir=tmp_path, progress=False).cached


# ----------------------------------------------------------------------------------------------------------
# Errors
# ----------------------------------------------------------------------------------------------------------


def test_unknown_metric_and_reference_list_the_valid_ones(run_dir):
    with pytest.raises(ValueError, match="did you mean 'fid'.*known: dc, fid, is, kid, modes, pr"):
        evaluate(run_dir, metrics=("fdi",), ref="digits:all", extractor=tiny_extractor(), write=False)
    with pytest.raises(ValueError, match="known: digits:all, digits:test, digits:train, mnist:test, mnist:train"):
        evaluate(run_dir, metrics=("fid",), ref="mnist:valid", extractor=tiny_extractor(), write=False)
    assert parse_ref("mnist:test") == ("mnist", "test")


def test_is_and_modes_need_logits(run_dir, tmp_path):
    ext = CallableExtractor(TinyNet(0), name="nologits", feature_names=("features",))
    with pytest.raises(ValueError, match="needs class logits"):
        evaluate(run_dir, metrics=("is",), n=20, ref="digits:all", extractor=ext, cache_dir=tmp_path,
                 progress=False, write=False)


def test_cli_eval_names_the_train_command_then_scores_with_the_classifier(run_dir, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("GANFORGE_HOME", str(tmp_path))  # an empty cache: no classifier yet
    argv = ["eval", str(run_dir), "--metrics", "fid,is,modes", "--n", "150", "--ref", "digits:all",
            "--out", str(tmp_path / "scores.json")]
    assert main(argv) == EXIT_BAD_INPUT
    assert "ganforge classifier train digits" in capsys.readouterr().err
    assert main(["classifier", "train", "digits", "--epochs", "1"]) == 0
    capsys.readouterr()
    assert main(argv) == 0
    table = capsys.readouterr().out
    assert "fid_classifier" in table and "is_classifier" in table and "statistics: fid" in table
    record = json.loads((tmp_path / "scores.json").read_text())
    assert record["settings"]["extractor"] == "classifier-digits"
    assert "not with Inception FID" in record["settings"]["score_family"]
    assert 1.0 <= record["scores"]["is_classifier"] <= 10.0  # exp of a KL bounded by log 10
    assert 1 <= record["scores"]["modes_covered_classifier"] <= 10


# ----------------------------------------------------------------------------------------------------------
# During training
# ----------------------------------------------------------------------------------------------------------


def test_periodic_evaluator_keeps_the_best_checkpoint_and_leaves_training_alone(tmp_path):
    from ganforge.config.presets import build_config
    from ganforge.training.engine import Trainer

    trainer = Trainer(build_config("dcgan", "digits", TINY), run_dir=tmp_path / "run")
    evaluator = PeriodicEvaluator(metrics=("fid", "pr"), n=100, ref="digits:all", extractor=tiny_extractor(),
                                  best="fid", cache_dir=tmp_path / "cache")
    rng, stream = torch.random.get_rng_state(), trainer.stream.state_dict()
    scalars = evaluator(trainer)
    assert torch.equal(torch.random.get_rng_state(), rng)  # looking at a run never changes it
    assert trainer.stream.state_dict()["batches_drawn"] == stream["batches_drawn"]
    assert set(scalars) == {"eval/fid_tiny", "eval/precision_tiny", "eval/recall_tiny", "eval/best_fid_tiny"}
    best = json.loads((tmp_path / "run" / "best_eval.json").read_text())
    assert best["metric"] == "fid_tiny" and best["step"] == 0 and best["value"] == scalars["eval/fid_tiny"]
    assert best["mode"] == "min" and best["settings"]["n_generated"] == 100
    best_pt = tmp_path / "run" / "checkpoints" / "best.pt"
    mtime = os.stat(best_pt).st_mtime_ns

    again = evaluator(trainer)  # same G, same z: equal, not better -> best.pt is kept as it was
    assert again["eval/fid_tiny"] == scalars["eval/fid_tiny"]
    assert os.stat(best_pt).st_mtime_ns == mtime
    assert ganforge.load(best_pt).step == 0
