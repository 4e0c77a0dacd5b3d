"""Mult-DAE (Liang et al. 2018): a denoising autoencoder over users' item sets with a multinomial likelihood (one
tanh layer, input dropout, Adam) in numpy, trained under a step budget so large datasets stay bounded."""
from __future__ import annotations

from collections.abc import Callable

import numpy as np
import scipy.sparse as sp

DAE = {"epochs": 50, "batch": 256, "dropout": 0.5, "lr": 2e-3, "max_steps": 1500}
LAYERS = ("dae_w1", "dae_b1", "dae_w2", "dae_b2")  # items x hidden, hidden, hidden x items, items


def encode(inputs: sp.csr_matrix, w1: np.ndarray, b1: np.ndarray) -> tuple[sp.csr_matrix, np.ndarray]:
    """(the L2-normalised input rows, the hidden layer)."""
    norms = np.sqrt(np.asarray(inputs.multiply(inputs).sum(axis=1), dtype=np.float32).ravel())
    inputs = sp.diags(1.0 / np.maximum(norms, np.float32(1e-9))).astype(np.float32) @ inputs
    return inputs, np.tanh(inputs @ w1 + b1)


def _adam(p: np.ndarray, g: np.ndarray, m1: np.ndarray, m2: np.ndarray, tmp: np.ndarray, lr: float, step: int):
    """One Adam update of `p` in place (beta 0.9 / 0.999), `tmp` a scratch array of p's shape."""
    m1 *= 0.9
    m1 += 0.1 * g
    np.multiply(g, g, out=tmp)
    tmp *= 0.001
    m2 *= 0.999
    m2 += tmp
    np.sqrt(m2, out=tmp)
    tmp *= np.float32(1 / np.sqrt(1 - 0.999 ** step))
    tmp += np.float32(1e-8)
    np.divide(m1, tmp, out=tmp)
    tmp *= np.float32(lr / (1 - 0.9 ** step))
    p -= tmp


def fit_dae(x: sp.csr_matrix, hidden: int, seed: int, epochs: int = DAE["epochs"], batch: int = DAE["batch"],
            dropout: float = DAE["dropout"], lr: float = DAE["lr"], max_steps: int = DAE["max_steps"],
            init: dict[str, np.ndarray] | None = None, check: Callable[[], None] = lambda: None
            ) -> dict[str, np.ndarray]:
    """The layers (LAYERS, float32) of a Mult-DAE fitted to the rows of the binary users x items matrix `x`:
    `epochs` passes over the users in minibatches of `batch`, at most `max_steps` minibatches in all, from
    random weights or from `init`'s (of the same shapes). `check` runs every 50 steps and may raise to stop."""
    n_users, n_items = x.shape
    x = sp.csr_matrix(x, dtype=np.float32)
    x.data[:] = 1.0
    rng = np.random.default_rng(seed)
    bound = np.sqrt(6.0 / (n_items + hidden))
    p = {"dae_w1": rng.uniform(-bound, bound, (n_items, hidden)).astype(np.float32),
         "dae_b1": np.zeros(hidden, np.float32),
         "dae_w2": rng.uniform(-bound, bound, (hidden, n_items)).astype(np.float32),
         "dae_b2": np.zeros(n_items, np.float32)}
    if init is not None:
        p = {k: np.array(init[k], dtype=np.float32) for k in LAYERS}
    active = np.flatnonzero(np.diff(x.indptr) > 0)
    if not len(active) or not n_items:
        return p
    m1 = {k: np.zeros_like(v) for k, v in p.items()}
    m2 = {k: np.zeros_like(v) for k, v in p.items()}
    tmp = {k: np.zeros_like(v) for k, v in p.items()}
    per_epoch = max(1, -(-len(active) // batch))
    steps = min(epochs * per_epoch, max_steps)
    step = 0
    while step < steps:
        for rows in np.array_split(rng.permutation(active), per_epoch):
            if step == steps:
                break
            if step % 50 == 0:
                check()
            target = x[rows]
            kept = target.copy()
            kept.data *= rng.random(len(kept.data), dtype=np.float32) >= dropout  # input dropout
            kept.eliminate_zeros()
            inputs, h = encode(kept, p["dae_w1"], p["dae_b1"])
            z = h @ p["dae_w2"] + p["dae_b2"]
            z = np.exp(z - z.max(axis=1, keepdims=True))
            z *= (np.diff(target.indptr).astype(np.float32) / z.sum(axis=1))[:, None]
            dz = (z - target.toarray()) / np.float32(len(rows))  # softmax x n_u - x: the multinomial gradient
            dh = (dz @ p["dae_w2"].T) * (1 - h * h)
            grads = {"dae_w2": h.T @ dz, "dae_b2": dz.sum(axis=0), "dae_w1": np.asarray(inputs.T @ dh),
                     "dae_b1": dh.sum(axis=0)}
            step += 1
            for k, g in grads.items():
                _adam(p[k], g.astype(np.float32, copy=False), m1[k], m2[k], tmp[k], lr, step)
    return p


def dae_logits(inputs: sp.csr_matrix, layers: dict[str, np.ndarray]) -> np.ndarray:
    """(rows, items) output logits of the fitted DAE for 0/1 input rows."""
    _, h = encode(sp.csr_matrix(inputs, dtype=np.float32), layers["dae_w1"], layers["dae_b1"])
    return h @ layers["dae_w2"] + layers["dae_b2"]
