"""The domain classifier: weight files with verified hashes, the extractor's invariances, the training recipe.

No MNIST here: the digits classifier trains in seconds, and random-weight networks check the plumbing.
"""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest
import torch

from ganforge.cli.main import EXIT_BAD_INPUT, main
from ganforge.metrics.classifier import (
    ClassifierExtractor,
    LeNetBN,
    classifier_path,
    digits_split,
    load_classifier,
    load_split,
    preprocess,
    random_shift,
    save_classifier,
    train_classifier,
)
from ganforge.metrics.extractors import (
    EXTRACTORS,
    WeightsHashError,
    WeightsNotFoundError,
    extract_features,
    get_extractor,
)


@pytest.fixture(scope="module")
def digits_classifier(tmp_path_factory):
    """A digits classifier trained for 2 epochs (a few seconds) into a private folder."""
    out = tmp_path_factory.mktemp("classifiers") / "digits.safetensors"
    return train_classifier("digits", epochs=2, out=out, progress=False)


def _random_net(seed: int = 0) -> LeNetBN:
    torch.manual_seed(seed)
    return LeNetBN().eval()


# ----------------------------------------------------------------------------------------------------------
# Weight files
# ----------------------------------------------------------------------------------------------------------


def test_save_load_round_trip_records_the_file_sha256(tmp_path):
    net = _random_net()
    path = save_classifier(net, tmp_path / "digits.safetensors", {"dataset": "digits", "test_accuracy": 0.5})
    meta = json.loads((tmp_path / "digits.json").read_text())
    assert meta["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()  # independent of file_sha256
    assert meta["dataset"] == "digits" and meta["num_classes"] == 10 and meta["input_size"] == [1, 28, 28]
    loaded, loaded_meta = load_classifier("digits", weights=path)
    assert loaded_meta["sha256"] == meta["sha256"]
    for key, value in net.state_dict().items():
        assert torch.equal(loaded.state_dict()[key], value), key
    assert not loaded.training  # eval mode: BatchNorm on stored statistics


def test_tampered_weights_are_refused_naming_the_train_command(tmp_path):
    path = save_classifier(_random_net(), tmp_path / "digits.safetensors", {"dataset": "digits"})
    raw = bytearray(path.read_bytes())
    raw[-1] ^= 0xFF  # one bit pattern in the last tensor's bytes: still a loadable file, other weights
    path.write_bytes(bytes(raw))
    with pytest.raises(WeightsHashError, match="ganforge classifier train digits"):
        load_classifier("digits", weights=path)


def test_missing_weights_name_the_train_command(tmp_path, monkeypatch):
    monkeypatch.setenv("GANFORGE_HOME", str(tmp_path))
    assert classifier_path("mnist") == tmp_path / "classifiers" / "mnist.safetensors"
    with pytest.raises(WeightsNotFoundError, match="ganforge classifier train mnist"):
        ClassifierExtractor("mnist")
    assert issubclass(WeightsNotFoundError, FileNotFoundError)  # the CLI reports it as bad input


def test_weights_without_sidecar_are_refused(tmp_path):
    path = save_classifier(_random_net(), tmp_path / "digits.safetensors", {"dataset": "digits"})
    path.with_suffix(".json").unlink()
    with pytest.raises(WeightsNotFoundError, match="sidecar"):
        load_classifier("digits", weights=path)


def test_a_classifier_of_another_dataset_is_refused(tmp_path):
    path = save_classifier(_random_net(), tmp_path / "x.safetensors", {"dataset": "digits"})
    with pytest.raises(ValueError, match="'digits', not for 'mnist'"):
        load_classifier("mnist", weights=path)


def test_unknown_classifier_dataset_lists_the_known_ones():
    with pytest.raises(ValueError, match="digits, mnist"):
        ClassifierExtractor("cifar10", random_weights=True)


# ----------------------------------------------------------------------------------------------------------
# Extractor
# ----------------------------------------------------------------------------------------------------------


def test_registered_once_and_registering_again_is_harmless():
    import ganforge.metrics.extractors.classifier as module

    assert EXTRACTORS.get("classifier") is module.ClassifierExtractor
    module._register()  # what a second import runs: guarded, no "registered twice" error
    assert EXTRACTORS.names().count("classifier") == 1
    ext = get_extractor("classifier", dataset="digits", random_weights=True)
    assert ext.name == "classifier-digits-random" and ext.weights_hash == "random"


def test_extractor_features_do_not_depend_on_the_batch_size():
    ext = ClassifierExtractor("digits", random_weights=True, seed=3)
    images = torch.randint(0, 256, (37, 1, 28, 28), generator=torch.Generator().manual_seed(0), dtype=torch.uint8)
    whole = extract_features(ext, images, batch_size=37)
    for batch_size in (1, 5, 16):
        parts = extract_features(ext, images, batch_size=batch_size)
        for key in ("features", "logits"):
            assert np.abs(parts[key] - whole[key]).max() < 1e-5, (key, batch_size)
    assert whole["features"].shape == (37, 128) and whole["logits"].shape == (37, 10)


def test_preprocess_is_the_identity_map_to_minus_one_one_at_28_and_rgb_equals_gray():
    gray = torch.randint(0, 256, (4, 1, 28, 28), generator=torch.Generator().manual_seed(1), dtype=torch.uint8)
    x = preprocess(gray)
    assert torch.equal(x, gray.float() / 127.5 - 1.0)
    assert torch.equal(preprocess(gray.expand(4, 3, 28, 28)), x)  # equal RGB channels average to the gray value
    assert preprocess(torch.zeros(2, 1, 8, 8, dtype=torch.uint8)).shape == (2, 1, 28, 28)
    assert torch.all(preprocess(torch.zeros(2, 1, 8, 8, dtype=torch.uint8)) == -1.0)  # black stays black


def test_random_shift_moves_interior_content_without_changing_it():
    g = torch.Generator().manual_seed(0)
    x = torch.full((16, 1, 12, 12), -1.0)
    x[:, :, 2:10, 2:10] = torch.rand(16, 1, 8, 8, generator=g)  # content at least 2 px from every border
    y = random_shift(x, 2, torch.Generator().manual_seed(1))
    for a, b in zip(x, y):
        assert torch.equal(a.flatten().sort().values, b.flatten().sort().values)  # same pixels, translated
    # each output equals the input rolled by some (dy, dx) in [-2, 2]^2 (exact: the border is background)
    for a, b in zip(x, y):
        assert any(torch.equal(torch.roll(a, (dy, dx), (1, 2)), b) for dy in range(-2, 3) for dx in range(-2, 3))


def test_digits_split_is_a_fixed_partition():
    split = digits_split()
    assert len(split["train"]) == 1437 and len(split["test"]) == 360
    assert np.intersect1d(split["train"], split["test"]).size == 0
    assert np.array_equal(np.union1d(split["train"], split["test"]), np.arange(1797))
    assert np.array_equal(digits_split()["test"], split["test"])


# ----------------------------------------------------------------------------------------------------------
# Training
# ----------------------------------------------------------------------------------------------------------


def test_trained_digits_classifier_reports_the_accuracy_its_extractor_reproduces(digits_classifier):
    meta = json.loads(digits_classifier.with_suffix(".json").read_text())
    assert meta["dataset"] == "digits" and meta["n_train"] == 1437 and meta["n_test"] == 360
    ext = ClassifierExtractor("digits", weights=digits_classifier)
    assert ext.name == "classifier-digits" and ext.weights_hash == meta["sha256"]
    images, labels = load_split("digits", "test")
    logits = extract_features(ext, images, batch_size=100)["logits"]
    acc = float((logits.argmax(1) == labels.numpy()).mean())
    # the extractor's path (8x8 uint8 -> 28x28 -> net) is the one training used: the same accuracy
    assert acc == pytest.approx(meta["test_accuracy"], abs=1e-9)
    assert acc > 0.9  # chance is 0.1; two short epochs already separate the digits


def test_training_is_deterministic_and_leaves_the_global_rng_alone(tmp_path):
    state = torch.random.get_rng_state()
    a = train_classifier("digits", epochs=1, out=tmp_path / "a", progress=False)
    assert torch.equal(torch.random.get_rng_state(), state)
    b = train_classifier("digits", epochs=1, out=tmp_path / "b.safetensors", progress=False)
    assert a.name == "digits.safetensors" and b.name == "b.safetensors"
    assert a.read_bytes() == b.read_bytes()


def test_cli_trains_into_the_cache(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("GANFORGE_HOME", str(tmp_path))
    assert main(["classifier", "train", "digits", "--epochs", "1"]) == 0
    out = capsys.readouterr().out.strip()
    assert out == str(tmp_path / "classifiers" / "digits.safetensors")
    assert ClassifierExtractor("digits").weights_hash == json.loads(
        (tmp_path / "classifiers" / "digits.json").read_text())["sha256"]
    assert main(["classifier", "train", "cifar10"]) == EXIT_BAD_INPUT
    assert "known: digits, mnist" in capsys.readouterr().err
