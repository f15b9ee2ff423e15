"""f-GAN (Nowozin et al. 2016): each divergence's f, f', conjugate and activation against the table and convex
duality, and the variational bound F(T) against divergences computed independently (textbook integrals, Gaussian
closed forms, quadrature)."""

import numpy as np
import pytest
import scipy.integrate
import scipy.special
import torch

from ganforge.losses import DIVERGENCES, LOSSES, fgan_divergence_estimate
from ganforge.losses.fgan import fgan_objective, lambert_w

NAMES = ["tv", "kl", "reverse-kl", "pearson", "neyman", "hellinger", "jeffrey", "js", "gan"]
LOG2 = np.log(2.0)

# f(u) from the lecture / paper table and f'(u) differentiated by hand.
F_TABLE = {
    "tv": (lambda u: 0.5 * np.abs(u - 1), lambda u: 0.5 * np.sign(u - 1)),
    "kl": (lambda u: u * np.log(u), lambda u: 1 + np.log(u)),
    "reverse-kl": (lambda u: -np.log(u), lambda u: -1 / u),
    "pearson": (lambda u: (u - 1) ** 2, lambda u: 2 * (u - 1)),
    "neyman": (lambda u: (1 - u) ** 2 / u, lambda u: 1 - 1 / u**2),
    "hellinger": (lambda u: (np.sqrt(u) - 1) ** 2, lambda u: 1 - 1 / np.sqrt(u)),
    "jeffrey": (lambda u: (u - 1) * np.log(u), lambda u: np.log(u) + 1 - 1 / u),
    "js": (lambda u: -(u + 1) * np.log((1 + u) / 2) + u * np.log(u), lambda u: np.log(2 * u / (1 + u))),
    "gan": (lambda u: u * np.log(u) - (u + 1) * np.log(u + 1), lambda u: np.log(u / (u + 1))),
}

# The logit v whose activation g_f(v) equals f'(u), from inverting Table 2's g_f by hand: the optimal D's logit.
OPTIMAL_LOGIT = {
    "tv": lambda u: 30.0 * np.sign(u - 1),        # 1/2 tanh(+-30) = +-1/2 to double precision
    "kl": lambda u: 1 + np.log(u),                # g = v
    "reverse-kl": lambda u: np.log(u),            # -exp(-v) = -1/u
    "pearson": lambda u: 2 * (u - 1),             # g = v
    "neyman": lambda u: 2 * np.log(u),            # 1 - exp(-v) = 1 - 1/u^2
    "hellinger": lambda u: 0.5 * np.log(u),       # 1 - exp(-v) = 1 - 1/sqrt(u)
    "jeffrey": lambda u: np.log(u) + 1 - 1 / u,   # g = v
    "js": lambda u: np.log(u),                    # log 2 - log(1 + e^-v) = log(2u / (1 + u))
    "gan": lambda u: np.log(u),                   # -log(1 + e^-v) = log(u / (1 + u))
}

# dom f* (Table 2) as a predicate.
IN_DOMAIN = {
    "tv": lambda t: np.abs(t) <= 0.5, "kl": lambda t: np.isfinite(t), "reverse-kl": lambda t: t < 0,
    "pearson": lambda t: np.isfinite(t), "neyman": lambda t: t < 1, "hellinger": lambda t: t < 1,
    "jeffrey": lambda t: np.isfinite(t), "js": lambda t: t < LOG2, "gan": lambda t: t < 0,
}


def textbook_divergence(name, p, q):
    """D_f(P||Q) for discrete P, Q from the familiar formulas (not from f)."""
    m = (p + q) / 2
    kl = lambda a, b: np.sum(a * np.log(a / b))  # noqa: E731
    return {
        "tv": 0.5 * np.abs(p - q).sum(), "kl": kl(p, q), "reverse-kl": kl(q, p),
        "pearson": np.sum((p - q) ** 2 / q), "neyman": np.sum((p - q) ** 2 / p),
        "hellinger": np.sum((np.sqrt(p) - np.sqrt(q)) ** 2), "jeffrey": kl(p, q) + kl(q, p),
        "js": kl(p, m) + kl(q, m), "gan": kl(p, m) + kl(q, m) - np.log(4),
    }[name]


U = np.array([0.03, 0.2, 0.5, 0.9, 1.3, 2.0, 4.5, 20.0])   # density ratios p/q, 1 excluded (TV's kink)
t64 = lambda a: torch.tensor(a, dtype=torch.float64)  # noqa: E731


def test_every_divergence_is_registered_as_a_loss():
    assert sorted(DIVERGENCES) == sorted(NAMES)
    for name in NAMES:
        assert LOSSES.get(f"fgan-{name}").name == f"fgan-{name}"


@pytest.mark.parametrize("name", NAMES)
def test_f_and_derivative_match_the_table(name):
    f, fp = F_TABLE[name]
    div = DIVERGENCES.get(name)
    np.testing.assert_allclose(div.f(t64(U)).numpy(), f(U), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(div.f_prime(t64(U)).numpy(), fp(U), rtol=1e-12, atol=1e-15)
    # f(1) = 0, so D_f(P||P) = 0; except the GAN divergence 2 JSD - log 4, whose f(1) = -log 4
    assert div.f(t64([1.0])).item() == pytest.approx(-np.log(4) if name == "gan" else 0.0, abs=1e-15)
    h = 1e-6                                                               # our f' is f's derivative
    np.testing.assert_allclose((f(U + h) - f(U - h)) / (2 * h), fp(U), rtol=1e-6)


@pytest.mark.parametrize("name", NAMES)
def test_fenchel_young_equality(name):
    """f*(f'(u)) = u f'(u) - f(u): the sup in f*(t) = sup_u [t u - f(u)] is attained at u with f'(u) = t."""
    f, fp = F_TABLE[name]
    div = DIVERGENCES.get(name)
    np.testing.assert_allclose(div.conjugate(t64(fp(U))).numpy(), U * fp(U) - f(U), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", NAMES)
def test_conjugate_is_the_supremum_by_brute_force(name):
    """f*(t) = max over a fine grid of u > 0 of t u - f(u), at t = f'(u0) for a few u0 (maximiser inside the grid)."""
    f, fp = F_TABLE[name]
    u = np.concatenate([np.geomspace(1e-3, 1e3, 400_001), [1.0]])
    t = np.array([0.0, 0.2, -0.3]) if name == "tv" else fp(np.array([0.1, 0.7, 1.0, 3.0]))
    brute = np.array([np.max(ti * u - f(u)) for ti in t])
    np.testing.assert_allclose(DIVERGENCES.get(name).conjugate(t64(t)).numpy(), brute, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("name", NAMES)
def test_activation_maps_logits_into_the_conjugate_domain(name):
    div = DIVERGENCES.get(name)
    v = t64(np.linspace(-30, 30, 601))
    t = div.activation(v).numpy()
    assert np.all(IN_DOMAIN[name](t))
    assert np.all(np.diff(t) >= 0)   # increasing: a higher logit still means "more real"
    # the fused, stable f*(g_f(v)) equals the plain composition where the latter is well conditioned
    v = t64(np.linspace(-6, 6, 121))
    np.testing.assert_allclose(div.conjugate_of_activation(v).numpy(), div.conjugate(div.activation(v)).numpy(),
                               rtol=1e-9, atol=1e-12)


# Two discrete distributions whose probabilities are multiples of 1/8, so batches of 8 samples hold them exactly.
P_COUNTS, Q_COUNTS = np.array([4, 2, 2]), np.array([1, 3, 4])
P, Q = P_COUNTS / 8, Q_COUNTS / 8
REAL_X, FAKE_X = np.repeat(np.arange(3), P_COUNTS), np.repeat(np.arange(3), Q_COUNTS)   # "samples" of P and Q


@pytest.mark.parametrize("name", NAMES)
def test_bound_is_tight_at_the_optimal_critic_on_discrete_distributions(name):
    v_star = OPTIMAL_LOGIT[name](P / Q)                     # optimal logit per support point
    expected = textbook_divergence(name, P, Q)
    estimate = fgan_divergence_estimate(t64(v_star[REAL_X]), t64(v_star[FAKE_X]), name).item()
    assert estimate == pytest.approx(expected, rel=1e-10, abs=1e-12)
    # Any other critic gives a smaller value: F(T) is a lower bound.
    rng = np.random.default_rng(0)
    for _ in range(20):
        v = np.clip(v_star, -3, 3) + 0.3 * rng.standard_normal(3)
        assert fgan_divergence_estimate(t64(v[REAL_X]), t64(v[FAKE_X]), name).item() < expected - 1e-6


def _gaussian_reference(name, m0, s0, m1, s1):
    """D_f(N(m0, s0^2) || N(m1, s1^2)): closed forms where they exist, quadrature of the textbook integral else."""
    kl = lambda ma, sa, mb, sb: np.log(sb / sa) + (sa**2 + (ma - mb) ** 2) / (2 * sb**2) - 0.5  # noqa: E731

    def int_p2_over_q(ma, sa, mb, sb):   # integral N(ma, sa)^2 / N(mb, sb): Gaussian integral, needs 2 sb^2 > sa^2
        a, b = 1 / sa**2, 1 / (2 * sb**2)
        return sb / (np.sqrt(2 * np.pi) * sa**2) * np.sqrt(np.pi / (a - b)) * np.exp(a * b * (ma - mb) ** 2 / (a - b))

    if name == "kl":
        return kl(m0, s0, m1, s1)
    if name == "reverse-kl":
        return kl(m1, s1, m0, s0)
    if name == "jeffrey":
        return kl(m0, s0, m1, s1) + kl(m1, s1, m0, s0)
    if name == "hellinger":   # 2 - 2 * Bhattacharyya coefficient
        bc = np.sqrt(2 * s0 * s1 / (s0**2 + s1**2)) * np.exp(-((m0 - m1) ** 2) / (4 * (s0**2 + s1**2)))
        return 2 - 2 * bc
    if name == "pearson":
        return int_p2_over_q(m0, s0, m1, s1) - 1
    if name == "neyman":
        return int_p2_over_q(m1, s1, m0, s0) - 1
    p = lambda x: np.exp(-0.5 * ((x - m0) / s0) ** 2) / (s0 * np.sqrt(2 * np.pi))  # noqa: E731
    q = lambda x: np.exp(-0.5 * ((x - m1) / s1) ** 2) / (s1 * np.sqrt(2 * np.pi))  # noqa: E731
    integrand = {
        "tv": lambda x: 0.5 * abs(p(x) - q(x)),
        "js": lambda x: (p(x) * np.log(2 * p(x) / (p(x) + q(x))) + q(x) * np.log(2 * q(x) / (p(x) + q(x)))),
        "gan": lambda x: (p(x) * np.log(p(x) / (p(x) + q(x))) + q(x) * np.log(q(x) / (p(x) + q(x)))),
    }[name]
    return scipy.integrate.quad(integrand, -20, 20, points=[-2, 0, 1, 3], limit=200, epsabs=1e-13)[0]


@pytest.mark.parametrize("name", NAMES)
def test_bound_is_tight_at_the_optimal_critic_between_gaussians(name):
    """P = N(0, 1), Q = N(1, 1.2^2): F(T*) on a fine grid equals the divergence from closed forms / quadrature."""
    m0, s0, m1, s1 = 0.0, 1.0, 1.0, 1.2
    x, dx = np.linspace(-16, 16, 64_001, retstep=True)
    log_p = -0.5 * ((x - m0) / s0) ** 2 - np.log(s0 * np.sqrt(2 * np.pi))
    log_q = -0.5 * ((x - m1) / s1) ** 2 - np.log(s1 * np.sqrt(2 * np.pi))
    v = t64(OPTIMAL_LOGIT[name](np.exp(log_p - log_q)))
    div = DIVERGENCES.get(name)
    # F(T) = int p g_f(v) - int q f*(g_f(v)), the same expectations fgan_objective takes over samples
    F_grid = (np.sum(np.exp(log_p) * div.activation(v).numpy()) -
              np.sum(np.exp(log_q) * div.conjugate_of_activation(v).numpy())) * dx
    assert F_grid == pytest.approx(_gaussian_reference(name, m0, s0, m1, s1), rel=1e-7, abs=1e-9)


@pytest.mark.parametrize("name", NAMES)
def test_loss_gradients_follow_the_objective(name):
    """d_loss = -(mean g_f(v_r) - mean f*(g_f(v_f))), g_loss = -mean g_f(v_f): the numpy table, gradients by
    central differences of the numpy formula."""
    f, fp = F_TABLE[name]
    act = {
        "tv": lambda v: 0.5 * np.tanh(v), "kl": lambda v: v, "reverse-kl": lambda v: -np.exp(-v),
        "pearson": lambda v: v, "neyman": lambda v: 1 - np.exp(-v), "hellinger": lambda v: 1 - np.exp(-v),
        "jeffrey": lambda v: v, "js": lambda v: LOG2 - np.log1p(np.exp(-v)), "gan": lambda v: -np.log1p(np.exp(-v)),
    }[name]
    # f*(t) = t u - f(u) at the u with f'(u) = t, u found by bisection on the increasing f' (independent of f*)
    def conj(t):
        lo, hi = np.full_like(t, 1e-9), np.full_like(t, 1e9)
        for _ in range(200):
            mid = np.sqrt(lo * hi)
            lo, hi = np.where(fp(mid) < t, mid, lo), np.where(fp(mid) < t, hi, mid)
        u = np.sqrt(lo * hi)
        return t * u - f(u)

    real, fake = np.array([-1.5, -0.2, 0.4, 1.1]), np.array([-0.9, 0.0, 0.3, 1.6, 2.2])
    if name == "tv":   # f*(t) = t on |t| <= 1/2 (f' is a step, bisection does not apply)
        conj = lambda t: t  # noqa: E731
    d_np = lambda r, fk: -(act(r).mean() - conj(act(fk)).mean())  # noqa: E731
    r, fk = t64(real).requires_grad_(), t64(fake).requires_grad_()
    loss = LOSSES.get(f"fgan-{name}")
    value = loss.d_loss(r, fk)
    value.backward()
    assert value.item() == pytest.approx(d_np(real, fake), rel=1e-7, abs=1e-9)
    h = 1e-5
    num_r = [(d_np(real + h * e, fake) - d_np(real - h * e, fake)) / (2 * h) for e in np.eye(len(real))]
    num_f = [(d_np(real, fake + h * e) - d_np(real, fake - h * e)) / (2 * h) for e in np.eye(len(fake))]
    np.testing.assert_allclose(r.grad.numpy(), num_r, rtol=1e-5, atol=1e-8)
    np.testing.assert_allclose(fk.grad.numpy(), num_f, rtol=1e-5, atol=1e-8)
    fk.grad = None
    g = loss.g_loss(fk, None)
    g.backward()
    assert g.item() == pytest.approx(-act(fake).mean(), rel=1e-10)
    num_g = [(-act(fake + h * e).mean() + act(fake - h * e).mean()) / (2 * h) for e in np.eye(len(fake))]
    np.testing.assert_allclose(fk.grad.numpy(), num_g, rtol=1e-5, atol=1e-8)


def test_gan_divergence_is_the_classic_bce_with_non_saturating_generator():
    r, f = t64([-2.0, 0.1, 3.0]), t64([-1.0, 0.5, 4.0, -6.0])
    sp = lambda a: np.logaddexp(0, a)  # noqa: E731
    loss = LOSSES.get("fgan-gan")
    assert loss.d_loss(r, f).item() == pytest.approx(sp(-r.numpy()).mean() + sp(f.numpy()).mean(), rel=1e-12)
    assert loss.g_loss(f, None).item() == pytest.approx(sp(-f.numpy()).mean(), rel=1e-12)


@pytest.mark.parametrize("name", NAMES)
def test_losses_and_gradients_stay_finite_at_extreme_float32_logits(name):
    v = torch.tensor([1e4, -1e4, 300.0, -300.0], requires_grad=True)
    loss = LOSSES.get(f"fgan-{name}")
    total = loss.d_loss(v, v) + loss.g_loss(v, None)
    total.backward()
    assert torch.isfinite(total) and torch.isfinite(v.grad).all()


def test_lambert_w_against_scipy_and_its_derivative():
    x = t64(np.geomspace(1e-30, 1e30, 61)).requires_grad_()
    w = lambert_w(x)
    ref = scipy.special.lambertw(x.detach().numpy()).real
    np.testing.assert_allclose(w.detach().numpy(), ref, rtol=1e-13)
    w.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), ref / (x.detach().numpy() * (1 + ref)), rtol=1e-10)


def test_jeffrey_conjugate_gradient_is_the_maximiser():
    """d f*/dt = argmax_u [t u - f(u)] = (f')^{-1}(t): for Jeffrey that u solves log u + 1 - 1/u = t."""
    u = np.array([0.05, 0.5, 1.0, 2.0, 30.0])
    t = t64(F_TABLE["jeffrey"][1](u)).requires_grad_()
    DIVERGENCES.get("jeffrey").conjugate(t).sum().backward()
    np.testing.assert_allclose(t.grad.numpy(), u, rtol=1e-10)


def test_objective_accepts_different_batch_sizes():
    div = DIVERGENCES.get("kl")
    value = fgan_objective(t64([1.0, 2.0]), t64([0.0, 1.0, 2.0]), div).item()
    assert value == pytest.approx(1.5 - np.mean(np.exp(np.array([0.0, 1.0, 2.0]) - 1)), rel=1e-12)
