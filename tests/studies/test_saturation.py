"""The saturation study's numbers against the closed forms d/dl log(1 - sigma(l)) = -sigma(l) and
d/dl -log sigma(l) = -(1 - sigma(l)), and against facts that follow from them without the study's own code."""

import math

import numpy as np
import pytest

from ganforge.studies.saturation import gradient_sweep

LOGITS = [5.0, 0.0, -5.0, -10.0, -20.0, -21.0, -30.0]


@pytest.mark.parametrize("loss", ["minimax", "ns"])
def test_measured_gradient_norm_is_the_closed_form(loss):
    """Autograd through the registered loss against sum_i L'(l_i) grad_theta l_i / N with L' in closed form.
    The ns tolerance is F.softplus's linear cut-off above 20 (it drops a 1 - sigma(20) = 2e-9 term)."""
    sweep = gradient_sweep(loss, seed=0, logits=LOGITS, n=16)
    np.testing.assert_allclose(sweep["measured"], sweep["closed_form"], rtol=1e-12 if loss == "minimax" else 3e-9)
    np.testing.assert_allclose(sweep["logit"], LOGITS, atol=1e-9)   # D's bias put the mean logit where asked


def test_one_sample_ratio_is_exp_of_the_logit():
    """With one fake, both norms are |L'(l)| ||grad_theta l||, so minimax / ns = sigma(l) / (1 - sigma(l)) = e^l."""
    mm = gradient_sweep("minimax", seed=3, logits=LOGITS, n=1)["measured"]
    ns = gradient_sweep("ns", seed=3, logits=LOGITS, n=1)["measured"]
    np.testing.assert_allclose(np.array(mm) / np.array(ns), np.exp(LOGITS), rtol=1e-8)


def test_minimax_gradient_dies_exponentially_while_ns_stays():
    """For l << 0, sigma(l) ~ e^l: one unit more confidence divides the minimax gradient by e; ns's is constant."""
    mm = dict(zip(LOGITS, gradient_sweep("minimax", seed=1, logits=LOGITS, n=16)["measured"]))
    ns = dict(zip(LOGITS, gradient_sweep("ns", seed=1, logits=LOGITS, n=16)["measured"]))
    assert mm[-21.0] / mm[-20.0] == pytest.approx(math.exp(-1), rel=1e-6)
    assert ns[-30.0] == pytest.approx(ns[-20.0], rel=1e-8)
    assert mm[-10.0] / ns[-10.0] == pytest.approx(math.exp(-10), rel=1e-3)   # 22,000 times smaller
    assert mm[0.0] == pytest.approx(ns[0.0], rel=0.05)   # at D(G(z)) = 1/2 both derivatives are -1/2
