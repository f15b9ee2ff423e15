"""Unrolled GANs (Metz, Poole, Pfau & Sohl-Dickstein 2017, "Unrolled Generative Adversarial Networks", ICLR).

G's loss is taken against D's weights after k more of D's own updates on the current batch,

    phi_0 = phi,    phi_{i+1} = phi_i - step_i(grad_phi L_D(phi_i, theta)),    L_G^K(theta) = L_G(theta, phi_k(theta))

and its gradient flows back through the k updates (the d phi_k / d theta term is kept; without it G would only
play against a D k steps ahead): G sees how D would answer its move, which damps mode hopping. D itself is
updated normally; the unrolled weights live only in G's graph and are then dropped.

The unrolled updates are D's optimiser written out differentiably:
- optim.name=adam: Adam with D's current lr, betas and eps, continuing from D's moments and step count, as the
  authors' released code does (it unrolls its Keras Adam);
- sgd, rmsprop: plain gradient steps phi - lr * grad at D's current lr (no momentum, no RMS scaling).
Where this differs from the paper: our loop alternates, so unrolling starts from D after this step's D update
(their code updates D and G at once from the same phi); the unrolled steps use D's adversarial loss only (label
smoothing included; penalties and weight clipping left out) on the same real batch and the same fakes for all k
steps, as their code does; BatchNorm statistics of D are copied, so the unrolled forwards leave D's own alone.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor, nn
from torch.func import functional_call

from ..losses import GANLoss

Critic = Callable[..., Tensor]  # (x, c) -> logits [N]


def unrolled_critic(D: nn.Module, opt_D: torch.optim.Optimizer, loss: GANLoss, real: Tensor, fake: Tensor,
                    c: Tensor | None, steps: int) -> Critic:
    """D advanced `steps` updates of loss.d_loss on (real, fake), differentiable in `fake` (and so in G's weights),
    as a function (x, c) -> logits. `fake` must carry its graph to G; D's own weights are not changed."""
    params = {name: p.detach().requires_grad_(True) for name, p in D.named_parameters()}
    buffers = {name: b.clone() for name, b in D.named_buffers()}
    update = _UnrolledUpdate(opt_D, D)

    def critic_at(weights: dict[str, Tensor]) -> Critic:
        return lambda x, c=None: functional_call(D, (weights, buffers), (x, c))

    for _ in range(steps):
        at = critic_at(params)
        loss_D = loss.d_loss(at(real, c), at(fake, c))
        grads = torch.autograd.grad(loss_D, list(params.values()), create_graph=True, allow_unused=True)
        params = update(params, grads)
    return critic_at(params)


class _UnrolledUpdate:
    """One step of D's optimiser as a pure function of (weights, gradients): Adam, or plain gradient descent."""

    def __init__(self, opt: torch.optim.Optimizer, D: nn.Module) -> None:
        if len(opt.param_groups) != 1:
            raise ValueError("unrolling needs D's optimiser to have one parameter group")
        group = opt.param_groups[0]
        self.lr = float(group["lr"])
        self.adam = isinstance(opt, torch.optim.Adam)
        if self.adam:
            self.beta1, self.beta2 = group["betas"]
            self.eps = group["eps"]
            self.m: dict[str, Tensor] = {}
            self.v: dict[str, Tensor] = {}
            self.t = 0
            for name, p in D.named_parameters():
                state = opt.state.get(p, {})
                self.m[name] = state["exp_avg"].detach() if "exp_avg" in state else torch.zeros_like(p)
                self.v[name] = state["exp_avg_sq"].detach() if "exp_avg_sq" in state else torch.zeros_like(p)
                self.t = int(state["step"]) if "step" in state else 0

    def __call__(self, params: dict[str, Tensor], grads: tuple[Tensor | None, ...]) -> dict[str, Tensor]:
        new: dict[str, Tensor] = {}
        if self.adam:
            self.t += 1
            step_size = self.lr / (1 - self.beta1 ** self.t)
            bias_correction2_sqrt = (1 - self.beta2 ** self.t) ** 0.5
        for (name, p), g in zip(params.items(), grads):
            if g is None:  # a weight the loss does not reach (not in the graph): it does not move
                new[name] = p
                continue
            if not self.adam:
                new[name] = p - self.lr * g
                continue
            self.m[name] = self.beta1 * self.m[name] + (1 - self.beta1) * g
            self.v[name] = self.beta2 * self.v[name] + (1 - self.beta2) * g * g
            # torch's Adam: p - step_size * m / (sqrt(v) / sqrt(bc2) + eps). The clamp keeps sqrt's derivative
            # finite where v is exactly 0 (a zero gradient on the first step); it moves sqrt(v) by 1e-19 at most.
            denom = self.v[name].clamp_min(torch.finfo(p.dtype).tiny).sqrt() / bias_correction2_sqrt + self.eps
            new[name] = p - step_size * self.m[name] / denom
        return new
