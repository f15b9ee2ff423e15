"""What training studies measure on a finished critic, against a critic whose answers are known in closed form."""

import pytest
import torch
from torch import nn

from ganforge.studies.training import critic_statistics


class Linear(nn.Module):
    """D(x) = w.x + b: gradient w everywhere."""

    def __init__(self, w, b=0.3, pack=1):
        super().__init__()
        self.lin = nn.Linear(2, 1)
        self.pack = pack
        with torch.no_grad():
            self.lin.weight.copy_(torch.tensor([w]))
            self.lin.bias.fill_(b)

    def forward(self, x, c=None):
        return self.lin(x).reshape(-1, self.pack).sum(1)   # a pack's logit sums its points' (PacGAN-like)


@pytest.mark.parametrize("pack", [1, 2])
def test_linear_critic_statistics(pack):
    w = [3.0, -4.0]
    g = torch.Generator().manual_seed(0)
    real, fake = torch.randn(100, 2, generator=g) + 1, torch.randn(100, 2, generator=g)
    stats = critic_statistics(Linear(w, pack=pack), real, fake)
    assert stats["critic/grad_norm"] == pytest.approx(5.0, rel=1e-6)    # ||w||, the same at every interpolate
    assert stats["critic/grad_norm_std"] == pytest.approx(0.0, abs=1e-5)
    gap = pack * (torch.tensor(w) @ (real.mean(0) - fake.mean(0))).item()
    assert stats["critic/gap"] == pytest.approx(gap, rel=1e-5)
