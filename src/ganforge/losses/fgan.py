"""f-GAN: GANs that minimise any f-divergence (Nowozin, Cseke & Tomioka 2016, "f-GAN: Training Generative Neural
Samplers using Variational Divergence Minimization", arXiv:1606.00709).

An f-divergence between the data P (density p) and the model Q (density q) is, for convex f with f(1) = 0,

    D_f(P || Q) = integral q(x) f(p(x) / q(x)) dx.

The Fenchel conjugate f*(t) = sup_u [t u - f(u)] gives the variational lower bound (Nguyen et al. 2010)

    D_f(P || Q) >= F(T) = E_{x~P}[T(x)] - E_{x~Q}[f*(T(x))],     equality at T*(x) = f'(p(x) / q(x)).

D is the variational function through an output activation: T(x) = g_f(V(x)) with V = D's raw logit, g_f mapping R
onto dom f* (and increasing, so a higher logit still means "more real"). D maximises F; G minimises it with the
paper's practical variant (Sec. 3.2, like the non-saturating GAN): **G maximises E_Q[g_f(V(G(z)))]**, i.e.

    d_loss = -F(T) = -E_P[g_f(V)] + E_Q[f*(g_f(V))]          g_loss = -E_Q[g_f(V(G(z)))].

For the GAN divergence this is exactly the BCE D loss with the non-saturating G loss (ganforge's "ns").

The table (Nowozin et al. Table 1 for f, Table 2 for g_f, dom f*, f*; the lecture's table lists the same f and f*):

| name       | f(u)                          | g_f(v)              | dom f*        | f*(t)                             |
|------------|-------------------------------|---------------------|---------------|-----------------------------------|
| tv         | 1/2 abs(u - 1)                | 1/2 tanh(v)         | abs(t) <= 1/2 | t                                 |
| kl         | u log u                       | v                   | R             | exp(t - 1)                        |
| reverse-kl | -log u                        | -exp(-v)            | t < 0         | -1 - log(-t)                      |
| pearson    | (u - 1)^2                     | v                   | R             | t^2/4 + t                         |
| neyman     | (1 - u)^2 / u                 | 1 - exp(-v)         | t < 1         | 2 - 2 sqrt(1 - t)                 |
| hellinger  | (sqrt(u) - 1)^2               | 1 - exp(-v)         | t < 1         | t / (1 - t)                       |
| jeffrey    | (u - 1) log u                 | v                   | R             | W(e^(1-t)) + 1/W(e^(1-t)) + t - 2 |
| js         | -(u+1) log((1+u)/2) + u log u | log 2 - log(1+e^-v) | t < log 2     | -log(2 - exp(t))                  |
| gan        | u log u - (u+1) log(u+1)      | -log(1 + e^-v)      | t < 0         | -log(1 - exp(t))                  |

Conventions we follow where the published table is loose (the f column is authoritative, since F(T) bounds
integral q f(p/q)):
  * pearson with f = (u-1)^2 is integral (p - q)^2 / q, and neyman with f = (1-u)^2/u is integral (p - q)^2 / p;
    the table's integral column has the two swapped.
  * js with that f is KL(P||M) + KL(Q||M) = 2 JSD(P, Q) (M = (P+Q)/2, at most log 4); the table's 1/2 prefactor does
    not match its own f. gan is 2 JSD - log 4 (in [-log 4, 0]; its f(1) = -log 4, not 0).
  * jeffrey = KL(P||Q) + KL(Q||P); W is the principal Lambert W, computed here by Newton's method (`lambert_w`).

Numerics: f*(g_f(v)) is evaluated in fused forms (e.g. gan: softplus(v); hellinger: e^v - 1) so no log(0) or
0/0 appears. Where exp of the logit enters (kl, reverse-kl, neyman, hellinger, jeffrey) we use `_exp`: exp up to a cap
of 3/4 of the largest exponent the dtype holds (66.5 in float32, 532 in float64), continued linearly beyond (value and
slope of exp at the cap). So float32 losses and gradients stay finite even at logits of 1e4 instead of overflowing to
inf and NaN-ing the run. Below the cap every formula is exact; beyond it exp (and so f*) is under-estimated.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor

from ..registry import Registry
from . import LOSSES
from .base import GANLoss

_LOG2 = math.log(2.0)


def _exp_cap(u: Tensor) -> float:
    """3/4 of log(largest finite value) of u's dtype: exp(cap) * 1e4 still fits (float32: 66.5, float64: 532)."""
    return 0.75 * math.log(torch.finfo(u.dtype).max)


def _exp(u: Tensor) -> Tensor:
    """exp(u) up to the cap, exp(cap) * (1 + u - cap) beyond: C^1, increasing, finite for large finite u."""
    cap = _exp_cap(u)
    return torch.where(u <= cap, torch.exp(torch.clamp(u, max=cap)), math.exp(cap) * (1 + u - cap))


def _log_exp(u: Tensor) -> Tensor:
    """log(_exp(u)) without forming _exp: u up to the cap, cap + log1p(u - cap) beyond."""
    cap = _exp_cap(u)
    return torch.where(u <= cap, u, cap + torch.log1p(torch.clamp(u - cap, min=0)))


# ------------------------------------------------------------------------------------------------ Lambert W

def _log_lambert_w_exp(s: Tensor, iters: int = 12) -> Tensor:
    """y = log W(e^s) for any real s, solving h(y) = e^y + y - s = 0 (the log of W e^W = e^s) by Newton's method.

    Working in y = log W avoids forming e^s (s = 1 - t reaches +-1e4 in the Jeffrey conjugate). h is increasing and
    convex, so Newton converges from any start (at most one overshoot to the right, then monotonically); from the
    asymptotic start (W ~ e^s for s << 0, W ~ s - log s for s >> 1) 12 steps reach machine precision. The steps run
    without a graph; one last step *with* a graph gives the exact implicit derivative dy/ds = 1 / (1 + W)
    (the derivative of a Newton step vanishes in its first argument at the root).
    """
    with torch.no_grad():
        safe = torch.clamp(s, min=1.5)
        y = torch.where(s > 1.5, torch.log(safe - torch.log(safe)), s)
        for _ in range(iters):
            w = torch.exp(y)
            y = y - (w + y - s) / (w + 1)
    w = torch.exp(y)
    return y - (w + y - s) / (w + 1)


def lambert_w(x: Tensor) -> Tensor:
    """Principal branch W_0(x) for x > 0 (W e^W = x), differentiable: dW/dx = W / (x (1 + W))."""
    return torch.exp(_log_lambert_w_exp(torch.log(x)))


def _jeffrey_conjugate(t: Tensor) -> Tensor:
    """f*(t) = W + 1/W + t - 2 with W = W(e^(1-t)); the maximiser of t u - f(u) is u = 1/W, so df*/dt = 1/W."""
    y = _log_lambert_w_exp(1 - t)  # log W
    return torch.exp(y) + _exp(-y) + t - 2


# ------------------------------------------------------------------------------------------------ the table

@dataclass(frozen=True)
class FDivergence:
    """One row of the f-GAN table. u = p/q > 0; t in dom f*; v = D's raw logit (any real number)."""

    name: str
    title: str
    f: Callable[[Tensor], Tensor]                        # generator f(u), convex; f(1) = 0 (gan: -log 4)
    f_prime: Callable[[Tensor], Tensor]                  # f'(u); the optimal critic is T*(x) = f'(p(x)/q(x))
    activation: Callable[[Tensor], Tensor]               # g_f(v): R -> dom f*, increasing
    conjugate: Callable[[Tensor], Tensor]                # f*(t) on dom f* (plain formula)
    conjugate_of_activation: Callable[[Tensor], Tensor]  # f*(g_f(v)), fused and stable
    domain: str                                          # dom f*, for docs


DIVERGENCES: Registry[FDivergence] = Registry("f-divergence")


def _add(div: FDivergence) -> None:
    DIVERGENCES.add(div.name, div)


_add(FDivergence(
    "tv", "total variation  1/2 int |p - q|",
    f=lambda u: 0.5 * (u - 1).abs(),
    f_prime=lambda u: 0.5 * torch.sign(u - 1),
    activation=lambda v: 0.5 * torch.tanh(v),
    conjugate=lambda t: t,
    conjugate_of_activation=lambda v: 0.5 * torch.tanh(v),
    domain="|t| <= 1/2",
))
_add(FDivergence(
    "kl", "Kullback-Leibler  int p log(p/q)",
    f=lambda u: torch.xlogy(u, u),
    f_prime=lambda u: 1 + torch.log(u),
    activation=lambda v: v,
    conjugate=lambda t: torch.exp(t - 1),
    conjugate_of_activation=lambda v: _exp(v - 1),
    domain="R",
))
_add(FDivergence(
    "reverse-kl", "reverse Kullback-Leibler  int q log(q/p)",
    f=lambda u: -torch.log(u),
    f_prime=lambda u: -1 / u,
    activation=lambda v: -_exp(-v),
    conjugate=lambda t: -1 - torch.log(-t),
    conjugate_of_activation=lambda v: -1 - _log_exp(-v),   # -1 - log(exp(-v)) = v - 1
    domain="t < 0",
))
_add(FDivergence(
    "pearson", "Pearson chi^2  int (p - q)^2 / q",
    f=lambda u: (u - 1).pow(2),
    f_prime=lambda u: 2 * (u - 1),
    activation=lambda v: v,
    conjugate=lambda t: 0.25 * t.pow(2) + t,
    conjugate_of_activation=lambda v: 0.25 * v.pow(2) + v,
    domain="R",
))
_add(FDivergence(
    "neyman", "Neyman chi^2  int (p - q)^2 / p",
    f=lambda u: (1 - u).pow(2) / u,
    f_prime=lambda u: 1 - u.pow(-2),
    activation=lambda v: 1 - _exp(-v),
    conjugate=lambda t: 2 - 2 * torch.sqrt(1 - t),
    conjugate_of_activation=lambda v: 2 - 2 * torch.exp(0.5 * _log_exp(-v)),   # sqrt(1 - g) = exp(-v/2)
    domain="t < 1",
))
_add(FDivergence(
    "hellinger", "squared Hellinger  int (sqrt p - sqrt q)^2",
    f=lambda u: (torch.sqrt(u) - 1).pow(2),
    f_prime=lambda u: 1 - torch.rsqrt(u),
    activation=lambda v: 1 - _exp(-v),
    conjugate=lambda t: t / (1 - t),
    conjugate_of_activation=lambda v: _exp(-_log_exp(-v)) - 1,   # g / (1 - g) = e^v - 1
    domain="t < 1",
))
_add(FDivergence(
    "jeffrey", "Jeffrey  int (p - q) log(p/q) = KL(P||Q) + KL(Q||P)",
    f=lambda u: (u - 1) * torch.log(u),
    f_prime=lambda u: torch.log(u) + 1 - 1 / u,
    activation=lambda v: v,
    conjugate=_jeffrey_conjugate,
    conjugate_of_activation=_jeffrey_conjugate,
    domain="R",
))
_add(FDivergence(
    "js", "Jensen-Shannon, as KL(P||M) + KL(Q||M) = 2 JSD",
    f=lambda u: -(u + 1) * torch.log((1 + u) / 2) + torch.xlogy(u, u),
    f_prime=lambda u: torch.log(2 * u / (1 + u)),
    activation=lambda v: _LOG2 - F.softplus(-v),                 # log(2 sigma(v))
    conjugate=lambda t: -torch.log(2 - torch.exp(t)),
    conjugate_of_activation=lambda v: F.softplus(v) - _LOG2,     # -log(2 - 2 sigma(v)) = -log 2 - log sigma(-v)
    domain="t < log 2",
))
_add(FDivergence(
    "gan", "GAN  int p log(p/(p+q)) + q log(q/(p+q)) = 2 JSD - log 4",
    f=lambda u: torch.xlogy(u, u) - (u + 1) * torch.log1p(u),
    f_prime=lambda u: torch.log(u / (u + 1)),
    activation=lambda v: -F.softplus(-v),                        # log sigma(v)
    conjugate=lambda t: -torch.log(-torch.expm1(t)),
    conjugate_of_activation=lambda v: F.softplus(v),             # -log(1 - sigma(v))
    domain="t < 0",
))


# ------------------------------------------------------------------------------------------------ objective

def fgan_objective(real_logits: Tensor, fake_logits: Tensor, div: FDivergence) -> Tensor:
    """F(T) = E_P[g_f(V(x_r))] - E_Q[f*(g_f(V(x_f)))]: D's objective (to maximise), a lower bound on D_f(P||Q)."""
    return div.activation(real_logits).mean() - div.conjugate_of_activation(fake_logits).mean()


def fgan_divergence_estimate(real_logits: Tensor, fake_logits: Tensor, name: str) -> Tensor:
    """The variational lower bound F(T) on D_f(P || Q) (P = data, Q = model) from D's logits on a real and a fake
    batch; tight when g_f(V) = f'(p/q). ``name`` is a row of the table: tv, kl, reverse-kl, pearson, neyman,
    hellinger, jeffrey, js, gan. Batch sizes may differ."""
    return fgan_objective(real_logits, fake_logits, DIVERGENCES.get(name))


def _make_loss(div: FDivergence) -> GANLoss:
    def d_loss(real_logits: Tensor, fake_logits: Tensor) -> Tensor:
        # D maximises F(T): minimise -E_P[g_f(V)] + E_Q[f*(g_f(V))].
        return -fgan_objective(real_logits, fake_logits, div)

    def g_loss(fake_logits: Tensor, real_logits: Tensor | None = None) -> Tensor:
        # Nowozin Sec. 3.2: G maximises E_Q[g_f(V(G(z)))] rather than minimising -E_Q[f*(g_f(V))]; same fixed point,
        # stronger gradients early (for "gan" this is the non-saturating loss).
        return -div.activation(fake_logits).mean()

    d_loss.__doc__ = f"f-GAN D loss for {div.title}: -(E_P[g_f(V)] - E_Q[f*(g_f(V))])."
    g_loss.__doc__ = f"f-GAN G loss for {div.title}: -E_Q[g_f(V(G(z)))]."
    return GANLoss(f"fgan-{div.name}", d_loss, g_loss, f"f-GAN, {div.title}")


for _name in DIVERGENCES:
    LOSSES.add(f"fgan-{_name}", _make_loss(DIVERGENCES.get(_name)))
