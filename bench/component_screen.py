"""Would a new model add to user-personalization? Candidate components scored alone and added to the trained
recipe's scores at the best of a few weights (chosen on the held-out users: an oracle screen, optimistic), on a
clean-protocol dataset. A candidate that gains nothing here will not gain inside the recipe's learned blend.

    python bench/component_screen.py [--dataset lastfm] [--seeds 3] [--candidates gf-cf,pairs,mult-dae,inf-ae]

Candidates (none is part of the product):
* gf-cf — Shen et al. 2021: the normalised item-item filter plus an ideal low-pass filter (256 singular vectors).
* pairs — higher-order EASE (Steck & Liang 2021), two-stage: EASE (l2 200) plus the 2,000 most co-occurring item
  pairs as extra inputs, fitted by ridge on EASE's residual.
* mult-dae — Liang et al. 2018: a denoising autoencoder (dropout 0.5, one tanh layer of 200, softmax output,
  multinomial likelihood, Adam, 100 epochs) over the 5,000 most popular items, in numpy.
* inf-ae — Sachdeva et al. 2022: the infinitely wide one-hidden-layer ReLU autoencoder, i.e. kernel ridge regression
  over the training users with that network's neural tangent kernel (closed form), regularisation 1.0 x the mean
  kernel diagonal (the best alone of 0.03-3 on Last.fm's held-out users); users x users, so for small datasets only.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import scipy.linalg as sla
import scipy.sparse as sp
from scipy.sparse.linalg import svds

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import datasets  # noqa: E402
from tastemaker.data.build import interactions_from_table  # noqa: E402
from tastemaker.data.types import TrainingData  # noqa: E402
from tastemaker.data.split import personalize_split  # noqa: E402
from tastemaker.recipes import blend as bl  # noqa: E402
from tastemaker.recipes._common import item_stats, user_item_matrix  # noqa: E402
from tastemaker.recipes.base import TrainingOptions  # noqa: E402
from tastemaker.recipes.ease import fit_ease, head_items  # noqa: E402
from tastemaker.recipes.registry import get_recipe  # noqa: E402

WEIGHTS = [0.0, 0.3, 1.0, 3.0, 10.0]
HEAD = 5000


def binary(train) -> tuple[sp.csr_matrix, np.ndarray]:
    """The training users x items 0/1 matrix and the HEAD most popular items."""
    x = user_item_matrix(train).tocsr().astype(np.float32)
    x.data[:] = 1.0
    return x, head_items(item_stats(train)[0], HEAD)


def history_matrix(histories, items: np.ndarray, n_items: int) -> np.ndarray:
    """Held-out users x `items` 0/1 matrix of their input histories."""
    pos = np.full(n_items, -1)
    pos[items] = np.arange(len(items))
    h = np.zeros((len(histories), len(items)), np.float32)
    for r, history in enumerate(histories):
        cols = pos[np.unique(np.asarray(history.items, dtype=np.int64))]
        h[r, cols[cols >= 0]] = 1.0
    return h


def gf_cf(train, histories, seed: int) -> np.ndarray:
    x, _ = binary(train)
    du, di = (np.maximum(np.asarray(x.sum(axis=a)).ravel(), 1.0) for a in (1, 0))
    rn = sp.diags(1 / np.sqrt(du)) @ x @ sp.diags(1 / np.sqrt(di))
    _, _, vt = svds(rn, k=256, random_state=seed)
    h = history_matrix(histories, np.arange(x.shape[1]), x.shape[1])
    linear = np.asarray(h @ (rn.T @ rn).toarray(), dtype=np.float32)
    ideal = ((h / np.sqrt(di)) @ vt.T) @ vt * np.sqrt(di)
    return bl.normalise_rows(linear) + 0.3 * bl.normalise_rows(ideal.astype(np.float32))


def pairs(train, histories, seed: int, n_pairs: int = 2000, l2: float = 200.0, pair_l2: float = 2000.0) -> np.ndarray:
    x, head = binary(train)
    b = fit_ease(x, head, l2)
    xd = np.asarray(x[:, head].todense(), dtype=np.float32)
    iu, ju = np.triu_indices(len(head), 1)
    co = (xd.T @ xd)[iu, ju]
    top = np.argpartition(-co, n_pairs)[:n_pairs]
    pi, pj = iu[top], ju[top]
    z = xd[:, pi] * xd[:, pj]
    gram = z.T @ z
    gram[np.diag_indices_from(gram)] += pair_l2
    c = sla.solve(gram, z.T @ (xd - xd @ b), assume_a="pos").astype(np.float32)
    c[np.arange(n_pairs), pi] = 0.0  # a pair does not predict its own items
    c[np.arange(n_pairs), pj] = 0.0
    h = history_matrix(histories, head, x.shape[1])
    out = np.zeros((len(histories), x.shape[1]), np.float32)
    out[:, head] = h @ b + (h[:, pi] * h[:, pj]) @ c  # EASE plus the pairs' terms
    return out


def mult_dae(train, histories, seed: int, hidden: int = 200, epochs: int = 100, batch: int = 256,
             lr: float = 1e-3) -> np.ndarray:
    x, head = binary(train)
    xd = np.asarray(x[:, head].todense(), dtype=np.float32)
    rng = np.random.default_rng(seed)
    bound = np.sqrt(6 / (len(head) + hidden))
    p = {"w1": rng.uniform(-bound, bound, (len(head), hidden)).astype(np.float32), "b1": np.zeros(hidden, np.float32),
         "w2": rng.uniform(-bound, bound, (hidden, len(head))).astype(np.float32),
         "b2": np.zeros(len(head), np.float32)}
    m1 = {k: np.zeros_like(v) for k, v in p.items()}
    m2 = {k: np.zeros_like(v) for k, v in p.items()}

    def encode(inputs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(the L2-normalised inputs, the hidden layer)"""
        inputs = inputs / np.maximum(np.linalg.norm(inputs, axis=1, keepdims=True), 1e-9)
        return inputs, np.tanh(inputs @ p["w1"] + p["b1"])

    step = 0
    for _ in range(epochs):
        for rows in np.array_split(rng.permutation(len(xd)), max(1, len(xd) // batch)):
            target = xd[rows]
            inputs, h = encode(target * (rng.random(target.shape) > 0.5))
            z = h @ p["w2"] + p["b2"]
            z = np.exp(z - z.max(axis=1, keepdims=True))
            dz = (z / z.sum(axis=1, keepdims=True) * target.sum(axis=1, keepdims=True) - target) / len(rows)
            dh = (dz @ p["w2"].T) * (1 - h * h)
            grads = {"w2": h.T @ dz, "b2": dz.sum(axis=0), "w1": inputs.T @ dh, "b1": dh.sum(axis=0)}
            step += 1
            for k, g in grads.items():  # Adam
                m1[k] = 0.9 * m1[k] + 0.1 * g
                m2[k] = 0.999 * m2[k] + 0.001 * g * g
                p[k] -= lr * (m1[k] / (1 - 0.9 ** step)) / (np.sqrt(m2[k] / (1 - 0.999 ** step)) + 1e-8)
    _, h = encode(history_matrix(histories, head, x.shape[1]))
    logits = h @ p["w2"] + p["b2"]
    out = np.zeros((len(histories), x.shape[1]), np.float32)
    out[:, head] = logits - logits.min(axis=1, keepdims=True)
    return out


def relu_ntk(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The neural tangent kernel of Dense -> ReLU -> Dense (weights' variance 1, no bias) between rows of a, b."""
    d = a.shape[1]
    n0 = (a @ b.T) / d
    norms = np.sqrt(np.outer((a * a).sum(axis=1), (b * b).sum(axis=1))) / d + 1e-12
    cos = np.clip(n0 / norms, -1.0, 1.0)
    angle = np.arccos(cos)
    relu = norms / (2 * np.pi) * (np.sin(angle) + (np.pi - angle) * cos)  # the arc-cosine kernel
    return relu + n0 * (np.pi - angle) / (2 * np.pi)


def inf_ae(train, histories, seed: int, reg: float = 1.0) -> np.ndarray:
    x, _ = binary(train)
    xd = np.asarray(x.todense(), dtype=np.float64)
    gram = relu_ntk(xd, xd)
    gram[np.diag_indices_from(gram)] += reg * np.trace(gram) / len(gram)
    h = history_matrix(histories, np.arange(x.shape[1]), x.shape[1]).astype(np.float64)
    return (relu_ntk(h, xd) @ sla.solve(gram, xd, assume_a="pos")).astype(np.float32)


CANDIDATES = {"gf-cf": gf_cf, "pairs": pairs, "mult-dae": mult_dae, "inf-ae": inf_ae}


def ndcg10(scores: np.ndarray, split, relevant: np.ndarray) -> float:
    """NDCG@10 with the users' input items excluded (the clean protocol)."""
    scores = scores.copy()
    for r, history in enumerate(split.histories):
        scores[r, np.asarray(history.items, dtype=np.int64)] = -np.inf
    return bl.ndcg_at(scores, relevant, 10)


def without_seen(scores: np.ndarray, split) -> np.ndarray:
    scores = np.asarray(scores, dtype=np.float32).copy()
    for r, history in enumerate(split.histories):
        scores[r, np.asarray(history.items, dtype=np.int64)] = 0.0
    return bl.normalise_rows(scores)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--dataset", default="lastfm")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--candidates", default=",".join(CANDIDATES))
    args = ap.parse_args()
    files, load = datasets.CLEAN[args.dataset]
    if not datasets.path(*files).exists():
        print(f"skip {args.dataset}: {datasets.path(*files)} absent")
        return
    inter = interactions_from_table(load())
    names = args.candidates.split(",")
    alone: dict[str, list[float]] = {}
    added: dict[str, list[list[float]]] = {}
    base: list[float] = []
    for seed in range(args.seeds):
        split = personalize_split(inter, seed)
        model = get_recipe("aws-user-personalization").train(TrainingData(split.train), {}, {},
                                                              TrainingOptions(seed=seed))
        relevant = bl.relevance_matrix(split.truths, model.n_items)
        up = without_seen(np.stack([model.scores(h) for h in split.histories]), split)
        base.append(ndcg10(up, split, relevant))
        for name in names:
            scores = CANDIDATES[name](split.train, split.histories, seed)
            alone.setdefault(name, []).append(ndcg10(scores, split, relevant))
            extra = without_seen(scores, split)
            added.setdefault(name, []).append([ndcg10(up + w * extra, split, relevant) for w in WEIGHTS])
        print(f"  seed {seed}: user-personalization {base[-1]:.4f}, "
              + ", ".join(f"{n} alone {alone[n][-1]:.4f}" for n in names), file=sys.stderr, flush=True)
    print(f"\n### {args.dataset}, clean protocol, {args.seeds} seeds: NDCG@10 (mean)\n")
    print(f"user-personalization alone: {np.mean(base):.4f}\n")
    print("| candidate | alone | user-personalization + w x candidate, best w (oracle) | gain |")
    print("|---|---|---|---|")
    for name in names:
        means = np.mean(added[name], axis=0)
        k = int(np.argmax(means))
        print(f"| {name} | {np.mean(alone[name]):.4f} | {means[k]:.4f} (w {WEIGHTS[k]:g}) | "
              f"{means[k] / np.mean(base):.3f}x |")


if __name__ == "__main__":
    main()
