"""Relativistic losses (Jolicoeur-Martineau 2018): values and gradients against the paper's formulas in numpy."""

import numpy as np
import pytest
import torch

from ganforge.losses import LOSSES

REAL = np.array([-3.0, -0.5, 0.0, 0.7, 2.5, 6.0])
FAKE = np.array([-5.0, -2.0, -0.3, 0.0, 1.2, 3.0])
N = len(REAL)
sig = lambda a: 1.0 / (1.0 + np.exp(-a))  # noqa: E731


def _run(name, which, real=REAL, fake=FAKE):
    r = torch.tensor(real, requires_grad=True)
    f = torch.tensor(fake, requires_grad=True)
    loss = LOSSES.get(name)
    value = loss.d_loss(r, f) if which == "d" else loss.g_loss(f, r)
    value.backward()
    return value.item(), r.grad.numpy(), f.grad.numpy()


def test_rsgan_value_and_gradients():
    # D: -mean log sigma(r_i - f_i); d/dr_i = -(1 - sigma(r_i - f_i)) / N, d/df_i = +(1 - sigma(r_i - f_i)) / N
    d = REAL - FAKE
    value, g_r, g_f = _run("rsgan", "d")
    assert value == pytest.approx(-np.log(sig(d)).mean(), rel=1e-12)
    np.testing.assert_allclose(g_r, -(1 - sig(d)) / N, rtol=1e-10)
    np.testing.assert_allclose(g_f, (1 - sig(d)) / N, rtol=1e-10)
    # G: roles swapped, -mean log sigma(f_i - r_i)
    value, g_r, g_f = _run("rsgan", "g")
    assert value == pytest.approx(-np.log(sig(-d)).mean(), rel=1e-12)
    np.testing.assert_allclose(g_f, -(1 - sig(-d)) / N, rtol=1e-10)


def _ragan_numpy(first, second):
    """-E_1 log sigma(C_1 - E C_2) - E_2 log(1 - sigma(C_2 - E C_1)), and its gradients derived by hand."""
    a = first - second.mean()                 # relative realness of each 'first' sample
    b = second - first.mean()
    value = -np.log(sig(a)).mean() - np.log(1 - sig(b)).mean()
    n1, n2 = len(first), len(second)
    # d/d first_k: -(1 - sigma(a_k)) / n1 (direct) - mean_j sigma(b_j) / n1 (through E C_1 in b)
    g_first = -(1 - sig(a)) / n1 - sig(b).mean() / n1
    # d/d second_k: +mean_i (1 - sigma(a_i)) / n2 (through E C_2 in a) + sigma(b_k) / n2 (direct)
    g_second = (1 - sig(a)).mean() / n2 + sig(b) / n2
    return value, g_first, g_second


def test_ragan_value_and_gradients():
    value, g_r, g_f = _run("ragan", "d")
    v, gr, gf = _ragan_numpy(REAL, FAKE)
    assert value == pytest.approx(v, rel=1e-12)
    np.testing.assert_allclose(g_r, gr, rtol=1e-10)
    np.testing.assert_allclose(g_f, gf, rtol=1e-10)
    value, g_r, g_f = _run("ragan", "g")
    v, gf, gr = _ragan_numpy(FAKE, REAL)
    assert value == pytest.approx(v, rel=1e-12)
    np.testing.assert_allclose(g_f, gf, rtol=1e-10)
    np.testing.assert_allclose(g_r, gr, rtol=1e-10)


def test_ragan_batch_sizes_may_differ_but_rsgan_pairs():
    v, _, _ = _ragan_numpy(REAL, FAKE[:4])
    assert LOSSES.get("ragan").d_loss(torch.tensor(REAL), torch.tensor(FAKE[:4])).item() == pytest.approx(v, rel=1e-12)
    with pytest.raises(ValueError, match="pairs"):
        LOSSES.get("rsgan").d_loss(torch.tensor(REAL), torch.tensor(FAKE[:4]))


@pytest.mark.parametrize("name", ["rsgan", "ragan"])
def test_only_differences_matter(name):
    """Relativistic: adding the same constant to every logit leaves both losses unchanged."""
    for which in ("d", "g"):
        a = _run(name, which)[0]
        b = _run(name, which, REAL + 7.5, FAKE + 7.5)[0]
        assert a == pytest.approx(b, rel=1e-12)


@pytest.mark.parametrize("name", ["rsgan", "ragan"])
def test_undecided_discriminator_gives_log_two_per_term(name):
    """C(x_r) = C(x_f) everywhere: sigma(0) = 1/2, so each -log term is log 2 (ragan has two terms)."""
    z = torch.zeros(5, dtype=torch.float64)
    terms = 1 if name == "rsgan" else 2
    assert LOSSES.get(name).d_loss(z, z).item() == pytest.approx(terms * np.log(2), rel=1e-12)


@pytest.mark.parametrize("name", ["rsgan", "ragan"])
def test_generator_needs_real_logits(name):
    loss = LOSSES.get(name)
    assert loss.needs_real_for_g
    with pytest.raises(ValueError, match="real_logits"):
        loss.g_loss(torch.zeros(3), None)
