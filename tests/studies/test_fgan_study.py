"""The f-GAN study: every divergence of the table, estimated by a trained critic, within 5% of its exact value.

The exact values here come from quadrature of the textbook integrals (not from the study's closed forms), and the
study's closed forms are checked against the same quadrature."""

import numpy as np
import pytest
import scipy.integrate
import scipy.stats

from ganforge.losses import DIVERGENCES
from ganforge.studies.fgan import exact_divergence, variational_estimate


def textbook(name, p, q):
    """D_f(N(p) || N(q)) by quadrature of its familiar integral (ganforge's conventions: js = 2 JSD)."""
    pd = lambda x: scipy.stats.norm.pdf(x, *p)  # noqa: E731
    qd = lambda x: scipy.stats.norm.pdf(x, *q)  # noqa: E731
    m = lambda x: (pd(x) + qd(x)) / 2  # noqa: E731
    integrand = {
        "tv": lambda x: 0.5 * abs(pd(x) - qd(x)),
        "kl": lambda x: pd(x) * np.log(pd(x) / qd(x)),
        "reverse-kl": lambda x: qd(x) * np.log(qd(x) / pd(x)),
        "pearson": lambda x: (pd(x) - qd(x)) ** 2 / qd(x),
        "neyman": lambda x: (pd(x) - qd(x)) ** 2 / pd(x),
        "hellinger": lambda x: (np.sqrt(pd(x)) - np.sqrt(qd(x))) ** 2,
        "jeffrey": lambda x: (pd(x) - qd(x)) * np.log(pd(x) / qd(x)),
        "js": lambda x: pd(x) * np.log(pd(x) / m(x)) + qd(x) * np.log(qd(x) / m(x)),
        "gan": lambda x: pd(x) * np.log(pd(x) / m(x)) + qd(x) * np.log(qd(x) / m(x)) - np.log(4) * pd(x),
    }[name]
    return scipy.integrate.quad(integrand, -25, 25, points=[p[0], q[0]], limit=400, epsabs=1e-12)[0]


@pytest.mark.parametrize("p, q", [((0.0, 1.0), (1.0, 1.0)), ((0.0, 1.0), (0.5, 1.2))])
def test_exact_values_are_the_textbook_integrals(p, q):
    for name in DIVERGENCES:
        assert exact_divergence(name, p, q) == pytest.approx(textbook(name, p, q), rel=1e-7), name


def test_every_trained_estimate_is_within_five_percent():
    """The cheap configuration: P = N(0, 1), Q = N(0.75, 1), 200 steps of 1024 + 1024 samples, a 16-wide V."""
    p, q = (0.0, 1.0), (0.75, 1.0)
    errors = {}
    for name in DIVERGENCES:
        estimate, se = variational_estimate(name, seed=0, steps=200, batch=1024, width=16, lr=5e-3,
                                            n_eval=200_000, p=p, q=q)
        exact = textbook(name, p, q)
        errors[name] = (estimate - exact) / abs(exact)
        assert 0 < se < 0.03 * abs(exact), name   # the Monte Carlo error is small against the 5% bar
    assert max(abs(e) for e in errors.values()) < 0.05, errors
