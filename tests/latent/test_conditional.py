"""Class labels for conditional generators: the contract (G.num_classes, G(z, c)) and its errors."""

import pytest
import torch
from torch import nn

from ganforge.latent import class_labels, num_classes
from ganforge.models.latent import LatentPrior


def test_labels_for_a_conditional_generator(conditional_g):
    G = conditional_g(num_classes=5)
    assert num_classes(G) == 5
    c = class_labels(G, 3, 100)
    assert c.dtype == torch.long and c.tolist() == [3] * 100
    x = G(G.latent.sample(100), c)
    assert torch.all((x - torch.tensor([30.0, 0.0])).abs() <= 0.1)          # class 3 sits at (30, 0)


def test_random_classes_when_none_is_given_are_seeded_and_cover_all(conditional_g):
    G = conditional_g(num_classes=5)
    a = class_labels(G, None, 2000, torch.Generator().manual_seed(0))
    b = class_labels(G, None, 2000, torch.Generator().manual_seed(0))
    assert torch.equal(a, b) and set(a.tolist()) == set(range(5))
    assert torch.all(torch.bincount(a, minlength=5) > 300)                   # ~400 each


@pytest.mark.parametrize("cls", [5, -1, 100])
def test_out_of_range_class_names_the_valid_range(conditional_g, cls):
    with pytest.raises(ValueError, match=r"has 5 classes, valid: 0\.\.4"):
        class_labels(conditional_g(num_classes=5), cls, 3)


def test_class_on_an_unconditional_generator(linear_g):
    G = linear_g(LatentPrior(3))
    assert num_classes(G) is None and class_labels(G, None, 4) is None
    with pytest.raises(ValueError, match="unconditional.*valid classes: none"):
        class_labels(G, 0, 4)


def test_num_classes_none_means_unconditional():
    G = nn.Linear(2, 2)
    G.num_classes = None
    assert num_classes(G) is None
