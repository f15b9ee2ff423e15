"""Class control against generators whose answers are known: faithful, off by one, and deaf to the class."""

import pytest
import torch

from ganforge.metrics.class_control import class_control, format_class_table
from ganforge.metrics.extractors.base import CallableExtractor

K = 4


def _level(c):
    """The grey level that encodes class c: the centres of K equal bins of [-1, 1]."""
    return -1 + 2 * (c.double() + 0.5) / K


def _reader():
    """A 'classifier' that reads the class back from the mean grey level: logits = -|mean - level_k|."""
    levels = _level(torch.arange(K))
    return CallableExtractor(lambda x: -(x.mean((1, 2, 3))[:, None].double() - levels).abs(),
                             feature_names=("logits",), name="grey-level")


def _painter(shift=0):
    return lambda z, c: _level((c + shift) % K).float()[:, None, None, None].expand(len(z), 1, 4, 4)


def test_a_faithful_generator_scores_one_and_an_off_by_one_generator_zero():
    good = class_control(_painter(), K, 3, _reader(), n_per_class=7, batch_size=3)
    assert good["accuracy"] == [1.0] * K and good["min_accuracy"] == 1.0
    assert good["confusion"] == [[7 if i == j else 0 for j in range(K)] for i in range(K)]
    bad = class_control(_painter(1), K, 3, _reader(), n_per_class=7, batch_size=3)
    assert bad["accuracy"] == [0.0] * K
    assert [row.index(7) for row in bad["confusion"]] == [1, 2, 3, 0]
    assert "most often mistaken for" in format_class_table(bad) and "0 (7 of 7)" in format_class_table(bad)


def test_a_generator_deaf_to_the_class_has_equal_rows_and_accuracies_summing_to_one():
    def deaf(z, c):  # class 0 or 1 by the sign of z's first coordinate, whatever c asks
        return _level((z[:, 0] <= 0).long()).float()[:, None, None, None].expand(len(z), 1, 4, 4)

    result = class_control(deaf, K, 3, _reader(), n_per_class=50, seed=1)
    z = torch.randn(50, 3, generator=torch.Generator().manual_seed(1))
    positive = int((z[:, 0] > 0).sum())
    assert all(row == result["confusion"][0] for row in result["confusion"])
    assert result["confusion"][0][:2] == [positive, 50 - positive]
    assert sum(result["accuracy"]) == pytest.approx(1.0)


def test_class_control_needs_logits_and_enough_classes():
    features_only = CallableExtractor(lambda x: x.flatten(1), feature_names=("features",))
    with pytest.raises(ValueError, match="not 'logits'"):
        class_control(_painter(), K, 3, features_only, n_per_class=2)
    with pytest.raises(ValueError, match="classifier knows 4 classes, the generator 5"):
        class_control(lambda z, c: _painter()(z, c % K), 5, 3, _reader(), n_per_class=2)
