"""The matched purity of InfoGAN's categorical code against a brute force over every permutation."""

import itertools

import pytest
import torch

from ganforge.metrics.code_purity import code_purity, matched_purity
from ganforge.models.latent import LatentPrior


@pytest.mark.parametrize("seed", range(5))
def test_matched_purity_is_the_best_permutation(seed):
    g = torch.Generator().manual_seed(seed)
    table = torch.randint(0, 50, (5, 5), generator=g)
    best = max(sum(table[k, p[k]].item() for k in range(5)) for p in itertools.permutations(range(5)))
    purity, pi = matched_purity(table)
    assert purity == pytest.approx(best / table.sum().item())
    assert sorted(pi) == list(range(5)) and sum(table[k, pi[k]].item() for k in range(5)) == best


def test_matched_purity_is_one_to_one_unlike_majority_vote():
    table = torch.tensor([[9, 1], [8, 2]])          # both categories mostly class 0: only one may have it
    assert matched_purity(table) == (pytest.approx(11 / 20), [0, 1])
    with pytest.raises(ValueError, match="K <= K'"):
        matched_purity(torch.ones(3, 2))


class _ReadsTheCode:
    """A stand-in G + classifier: the 'image' carries the category, the classifier reads it back permuted."""
    feature_names = ("logits",)

    def __init__(self, latent, perm):
        self.latent, self.perm = latent, perm

    def generate(self, z):
        k = z[:, self.latent.z_dim: self.latent.z_dim + self.latent.categories].argmax(1)
        return (self.perm[k].float() / 10 * 2 - 1)[:, None, None, None].expand(-1, 1, 2, 2)

    def __call__(self, images):
        y = (images[:, 0, 0, 0].double() / 255 * 10).round().long()
        return {"logits": torch.nn.functional.one_hot(y, 10).float()}


def test_code_purity_of_a_perfect_permuted_code_is_one():
    latent = LatentPrior(3, 4, continuous=1)
    perm = torch.tensor([7, 2, 9, 0])
    fake = _ReadsTheCode(latent, perm)
    result = code_purity(fake.generate, latent, fake, n_per_category=20, batch_size=7)
    assert result["purity"] == 1.0 and result["mapping"] == perm.tolist()
    assert torch.tensor(result["contingency"]).sum() == 80
