"""Conditioning blocks against their formulas written out by hand (one-hot columns, per-class affine after a shared
batch normalisation, an inner product with a per-class vector) and the label checks' messages."""

import pytest
import torch
from torch import nn

from ganforge.nn import (
    ClassProjection,
    ConditionalBatchNorm,
    ConditionalSequential,
    LabelConcat,
    balanced_labels,
    check_labels,
)


def test_label_concat_appends_one_hot_columns_and_constant_maps():
    c = torch.tensor([2, 0, 1])
    flat = LabelConcat(3)(torch.zeros(3, 4), c)
    assert flat.shape == (3, 7)
    assert flat[:, 4:].tolist() == [[0, 0, 1], [1, 0, 0], [0, 1, 0]]
    maps = LabelConcat(3)(torch.randn(3, 2, 5, 5), c)
    assert maps.shape == (3, 5, 5, 5)
    for i, k in enumerate(c.tolist()):
        for j in range(3):
            assert torch.all(maps[i, 2 + j] == (1.0 if j == k else 0.0))


@pytest.mark.parametrize("shape", [(6, 4), (6, 4, 3, 3)])
def test_conditional_batchnorm_is_batchnorm_then_a_per_class_affine(shape):
    torch.manual_seed(0)
    cbn = ConditionalBatchNorm(4, 3, spatial=len(shape) == 4)
    x, c = torch.randn(shape, dtype=torch.float64) * 3 + 1, torch.tensor([0, 1, 2, 2, 1, 0])
    cbn = cbn.double()
    # starts as plain BatchNorm: gain 1, bias 0 for every class
    dims = [0] + list(range(2, len(shape)))
    mean, var = x.mean(dims, keepdim=True), x.var(dims, unbiased=False, keepdim=True)
    normed = (x - mean) / torch.sqrt(var + cbn.norm.eps)
    torch.testing.assert_close(cbn(x, c), normed)
    with torch.no_grad():
        cbn.gain.weight.copy_(torch.randn(3, 4))
        cbn.bias.weight.copy_(torch.randn(3, 4))
    out = cbn(x, c)
    for i, k in enumerate(c.tolist()):
        g, b = cbn.gain.weight[k], cbn.bias.weight[k]
        view = (4,) + (1,) * (len(shape) - 2)
        torch.testing.assert_close(out[i], normed[i] * g.view(view) + b.view(view))


def test_projection_is_the_inner_product_with_the_class_vector():
    torch.manual_seed(1)
    proj = ClassProjection(5, 12)
    h, c = torch.randn(4, 3, 2, 2), torch.tensor([4, 0, 4, 2])
    expected = torch.stack([proj.embed.weight[k] @ h[i].flatten() for i, k in enumerate(c.tolist())])
    torch.testing.assert_close(proj(h, c), expected)


def test_conditional_sequential_passes_labels_only_to_conditional_layers():
    net = ConditionalSequential(nn.Identity(), LabelConcat(2), nn.Flatten())
    assert net(torch.zeros(2, 1), torch.tensor([1, 0])).tolist() == [[0, 0, 1], [0, 1, 0]]
    assert isinstance(net[:-1], ConditionalSequential)  # slicing keeps the label passing (D.features uses it)


@pytest.mark.parametrize("c, message", [
    (None, r"class-conditional \(10 classes\): pass c"),
    (torch.tensor([0, 10]), r"class label 10 is outside \[0, 10\)"),
    (torch.tensor([-1, 3]), r"class label -1 is outside \[0, 10\)"),
    (torch.tensor([0.0, 1.0]), r"int64 \[N\] class labels in \[0, 10\); got torch.float32"),
    (torch.zeros(2, 1, dtype=torch.long), r"got torch.int64 \[2, 1\]"),
    (torch.tensor([1, 2, 3]), "got 3 class labels for 2 samples"),
    ([0, 1], "got list"),
])
def test_bad_labels_are_clear_errors(c, message):
    with pytest.raises(ValueError, match=message):
        check_labels(c, 10, n=2, who="G")


def test_good_labels_come_back_as_int64_and_balanced_labels_cycle():
    out = check_labels(torch.tensor([0, 9], dtype=torch.int32), 10, 2)
    assert out.dtype == torch.int64 and out.tolist() == [0, 9]
    assert balanced_labels(7, 3).tolist() == [0, 1, 2, 0, 1, 2, 0]
