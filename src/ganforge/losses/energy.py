"""Energy-based GANs, where D is an autoencoder and its reconstruction error is the energy (low = real-looking).

These are *not* logit losses, so they are not in ``LOSSES``: D must return a reconstruction (and, for the EBGAN
pull-away term, an embedding), and BEGAN carries a balance variable k_t from step to step. The pieces:

BEGAN (Berthelot, Schumm & Metz 2017, "BEGAN: Boundary Equilibrium GANs", arXiv:1703.10717), with
L(v) = |v - AE(v)|^eta per sample (eta = 1: the paper's L1, mean over pixels):
    L_D = L(x) - k_t L(G(z))          L_G = L(G(z))
    k_{t+1} = clip(k_t + lambda_k (gamma L(x) - L(G(z))), 0, 1)        (proportional control toward
                                                                        E L(G(z)) = gamma E L(x))
    M_global = L(x) + |gamma L(x) - L(G(z))|                           (convergence measure; lower = better)

EBGAN (Zhao, Mathieu & LeCun 2017, "Energy-based Generative Adversarial Network", arXiv:1609.03126), with
D(v) = ||Dec(Enc(v)) - v|| the reconstruction energy (eta = 2 here: mean squared error per sample):
    L_D = D(x) + [m - D(G(z))]^+      L_G = D(G(z))  (+ lambda_PT * PT(S) on the encoder embeddings S of the fakes)
    PT(S) = 1 / (N (N - 1)) sum_{i != j} (S_i . S_j / (|S_i| |S_j|))^2
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor


def autoencoder_energy(x: Tensor, reconstruction: Tensor, power: int = 1) -> Tensor:
    """Per-sample reconstruction energy mean_d |x - AE(x)|^power over all non-batch dims -> [N].

    power=1 is BEGAN's L1 loss L(v); power=2 the mean squared error EBGAN's experiments use. x and reconstruction:
    [N, ...] with equal shapes (images in [-1, 1] or points)."""
    if x.shape != reconstruction.shape:
        raise ValueError(f"x {tuple(x.shape)} and its reconstruction {tuple(reconstruction.shape)} differ in shape")
    return (x - reconstruction).abs().pow(power).flatten(1).mean(1)


# ------------------------------------------------------------------------------------------------ BEGAN

def began_d_loss(loss_real: Tensor, loss_fake: Tensor, k: float | Tensor) -> Tensor:
    """L_D = E L(x) - k_t E L(G(z)): D autoencodes reals well and fakes badly, weighted by the balance k_t."""
    return loss_real.mean() - k * loss_fake.mean()


def began_g_loss(loss_fake: Tensor) -> Tensor:
    """L_G = E L(G(z)): G wants its samples to be reconstructed well (i.e. to look real to the autoencoder)."""
    return loss_fake.mean()


def began_k_update(k: float, loss_real: float | Tensor, loss_fake: float | Tensor, gamma: float,
                   lambda_k: float) -> float:
    """k_{t+1} = clip(k_t + lambda_k (gamma L(x) - L(G(z))), 0, 1) with batch-mean energies (not differentiated)."""
    error = gamma * float(torch.as_tensor(loss_real).mean()) - float(torch.as_tensor(loss_fake).mean())
    return min(max(k + lambda_k * error, 0.0), 1.0)


def began_convergence(loss_real: float | Tensor, loss_fake: float | Tensor, gamma: float) -> float:
    """M_global = L(x) + |gamma L(x) - L(G(z))| with batch-mean energies: falls as training converges (Sec. 3.4.1)."""
    real = float(torch.as_tensor(loss_real).mean())
    fake = float(torch.as_tensor(loss_fake).mean())
    return real + abs(gamma * real - fake)


@dataclass
class BEGANBalance:
    """The per-run state of BEGAN's controller. Save ``state_dict()`` in checkpoints so a resumed run keeps k_t.

    gamma = E L(G(z)) / E L(x) is the diversity ratio the controller aims for (lower = sharper, less diverse)."""

    gamma: float = 0.5       # diversity ratio; the paper uses 0.3 - 0.7
    lambda_k: float = 1e-3   # proportional gain of the k_t update (paper: 0.001)
    k: float = 0.0           # k_0 = 0: D first learns to autoencode reals only

    def update(self, loss_real: float | Tensor, loss_fake: float | Tensor) -> float:
        """Advance k_t after a D/G step; returns M_global of that step for logging."""
        self.k = began_k_update(self.k, loss_real, loss_fake, self.gamma, self.lambda_k)
        return began_convergence(loss_real, loss_fake, self.gamma)

    def state_dict(self) -> dict[str, Any]:
        return {"gamma": self.gamma, "lambda_k": self.lambda_k, "k": self.k}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.gamma, self.lambda_k, self.k = float(state["gamma"]), float(state["lambda_k"]), float(state["k"])


# ------------------------------------------------------------------------------------------------ EBGAN

def ebgan_d_loss(energy_real: Tensor, energy_fake: Tensor, margin: float) -> Tensor:
    """L_D = E D(x) + E [m - D(G(z))]^+: push real energy down, fake energy up until it reaches the margin m."""
    return energy_real.mean() + torch.relu(margin - energy_fake).mean()


def ebgan_g_loss(energy_fake: Tensor, embeddings: Tensor | None = None, pt_weight: float = 0.0) -> Tensor:
    """L_G = E D(G(z)) [+ pt_weight * PT(S)] with S the encoder embeddings of the fakes (paper: pt_weight = 0.1)."""
    loss = energy_fake.mean()
    if pt_weight > 0:
        if embeddings is None:
            raise ValueError("pt_weight > 0 needs the encoder embeddings of the fake batch")
        loss = loss + pt_weight * pullaway_term(embeddings)
    return loss


def pullaway_term(embeddings: Tensor, eps: float = 1e-12) -> Tensor:
    """PT(S) = 1/(N(N-1)) sum_{i != j} cos(S_i, S_j)^2 over a batch of embeddings [N, ...] (flattened per sample).

    0 when the embeddings are mutually orthogonal, 1 when all point the same way (mode collapse); scale-free."""
    s = embeddings.flatten(1)
    n = s.shape[0]
    if n < 2:
        raise ValueError("the pull-away term needs at least 2 embeddings")
    unit = s / s.norm(dim=1, keepdim=True).clamp_min(eps)
    cos2 = (unit @ unit.T).pow(2)                                # [N, N], diagonal = 1
    return (cos2.sum() - cos2.diagonal().sum()) / (n * (n - 1))
