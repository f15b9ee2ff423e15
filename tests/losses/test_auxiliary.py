"""AC-GAN's class loss against -log softmax written out, and its label checks."""

import math

import pytest
import torch

from ganforge.losses import class_accuracy, class_cross_entropy


def test_class_cross_entropy_is_the_mean_negative_log_softmax_at_the_label():
    logits = torch.tensor([[2.0, 0.0, -1.0], [0.5, 0.5, 3.0]], dtype=torch.float64)
    c = torch.tensor([0, 1])
    by_hand = [-(2.0 - math.log(math.exp(2.0) + 1 + math.exp(-1.0))),
               -(0.5 - math.log(2 * math.exp(0.5) + math.exp(3.0)))]
    assert class_cross_entropy(logits, c).item() == pytest.approx(sum(by_hand) / 2, rel=1e-12)
    assert class_accuracy(logits, c).item() == 0.5  # row 0 right (argmax 0), row 1 wrong (argmax 2)


def test_class_cross_entropy_rejects_labels_outside_the_classifier():
    with pytest.raises(ValueError, match=r"class label 3 is outside \[0, 3\).*auxiliary classifier"):
        class_cross_entropy(torch.zeros(2, 3), torch.tensor([0, 3]))
    with pytest.raises(ValueError, match=r"\[N, K\]"):
        class_cross_entropy(torch.zeros(3), torch.tensor([0, 1, 2]))
