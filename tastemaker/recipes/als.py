"""Implicit-feedback ALS (Hu et al. 2008) item factors, with users folded in from their history at serving time."""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp


def fit_als(x: sp.csr_matrix, factors: int, iterations: int, alpha: float, reg: float, seed: int) -> np.ndarray:
    """Item factors (n_items x factors, float32) of `implicit`'s ALS on the binary user-item matrix `x`."""
    from implicit.cpu.als import AlternatingLeastSquares
    from threadpoolctl import threadpool_limits

    if x.nnz == 0 or min(x.shape) < 2:
        return np.zeros((x.shape[1], 0), dtype=np.float32)
    with threadpool_limits(1, "blas"):  # implicit checks the BLAS threads when the model is built
        model = AlternatingLeastSquares(factors=factors, iterations=iterations, alpha=alpha, regularization=reg,
                                        random_state=seed, num_threads=2)
        model.fit(sp.csr_matrix(x, dtype=np.float32), show_progress=False)
    return np.ascontiguousarray(model.item_factors, dtype=np.float32)


def fold_in(y: np.ndarray, gram: np.ndarray, histories: list[np.ndarray], alpha: float, reg: float) -> np.ndarray:
    """(len(histories), n_items) scores y @ x_u, x_u solving (Y'Y + alpha Y_u'Y_u + reg I) x = (1 + alpha) Y_u'1."""
    out = np.zeros((len(histories), y.shape[0]), dtype=np.float32)
    if not y.shape[1]:
        return out
    eye = reg * np.eye(y.shape[1], dtype=np.float64)
    users = np.zeros((len(histories), y.shape[1]), dtype=np.float64)
    for r, items in enumerate(histories):
        yu = y[np.unique(items)].astype(np.float64)
        if len(yu):
            users[r] = np.linalg.solve(gram + alpha * (yu.T @ yu) + eye, (1.0 + alpha) * yu.sum(axis=0))
    np.matmul(users.astype(np.float32), y.T, out=out)
    return out
