"""The seed texts' hand-written loops, run through ``symtaylor.iterate`` and ``minimize``.

The seed (Taylor series and the mathematics behind gradient descent and Newton's method) writes
each loop by hand with hand-derived derivatives. Here the step is derived exactly, compiled,
and iterated by ``symtaylor.iterate`` (or ``minimize``), with an honest status at the end:

1. Newton in 1-D on ``x^4 - 2x^2 + 1/2`` from 2 (the minimum at x = 1);
2. Newton in n-D on ``theta1^2 + 10 theta2^2`` from (5, 5) (one step: the model is exact);
3. gradient descent, ``lr = 0.01``, on the same double well (50 steps as in the seed, then to
   convergence);
4. the 1-D trust region on ``x^4 - 3x^2 + x`` from 2 with radius 0.5 (``minimize``'s
   trust-region method);
5. logistic regression (the seed's data: ``np.random.seed(42)``, n = 500, d = 20): gradient
   descent with ``lr = 0.5`` for 500 steps (``iterate`` on the per-sample update averaged over
   the data) against L-BFGS (``minimize``).

Run: ``python examples/iterate_seed_loops.py``
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from symtaylor import gradient_step, iterate, minimize, newton_step

DOUBLE_WELL = "x**4 - 2*x**2 + 1/2"


def newton_1d():
    """Seed part 3: Newton's method in 1-D from x0 = 2."""
    return iterate(newton_step(DOUBLE_WELL, "x"), [2.0])


def newton_nd():
    """Seed part 3: Newton in n-D on theta1^2 + 10 theta2^2 from (5, 5)."""
    return iterate(newton_step("theta1**2 + 10*theta2**2", "theta1 theta2"), [5.0, 5.0])


def gradient_descent(steps: int | None = 50):
    """Seed part 3: gradient descent with lr = 0.01 (``steps`` iterations, or to convergence
    when None)."""
    step = gradient_step(DOUBLE_WELL, "x")  # lr symbolic: given at call time
    return iterate(step, [2.0], params={"lr": 0.01}, max_iter=steps or 10_000)


def trust_region_1d():
    """Seed part 6: the trust region on x^4 - 3x^2 + x from 2, radius 0.5."""
    return minimize("x**4 - 3*x**2 + x", "x", [2.0], method="trust-region", delta0=0.5)


def logistic_data(n: int = 500, d: int = 20) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The seed's data: ``np.random.seed(42)``, X ~ N(0, 1), labels from a random ``true_w``."""
    rng = np.random.RandomState(42)  # the stream np.random.seed(42) gives
    X = rng.randn(n, d)
    true_w = rng.randn(d)
    y = (1 / (1 + np.exp(-X @ true_w)) > 0.5).astype(float)
    return X, y, true_w


def logistic(steps: int = 500, lr: float = 0.5):
    """Seed part 5: gradient descent (``steps`` at ``lr``) against L-BFGS on the mean logistic
    loss. Returns ``(gd, lbfgs)``, two Results."""
    X, y, _ = logistic_data()
    d = X.shape[1]
    w = sp.symbols(f"w0:{d}")
    a = sp.symbols(f"a0:{d}")
    label = sp.Symbol("label")
    z = sum(wi * ai for wi, ai in zip(w, a))
    loss = sp.log(1 + sp.exp(z)) - label * z  # per sample; the objective is the mean
    rate = sp.Symbol("rate")
    update = [wi - rate * sp.diff(loss, wi) for wi in w]  # per sample: x - lr grad loss_i
    data = {**{a[j]: X[:, j] for j in range(d)}, label: y}
    gd = iterate(update, np.zeros(d), variables=w, f=loss, params={"rate": lr}, data=data,
                 max_iter=steps)
    lbfgs = minimize(loss, w, np.zeros(d), method="l-bfgs", data=data, reduce="mean")
    return gd, lbfgs


def main() -> None:
    r = newton_1d()
    print(f"Newton 1-D from 2: x = {r.x[0]:.12f}, {r.nit} iterations, {r.status.name}")
    for k, xk in enumerate(r.history.x[:, 0]):
        print(f"  step {k}: x = {xk:.8f}")
    r = newton_nd()
    print(f"Newton n-D from (5, 5): x = {r.history.x[1].tolist()} after one step, "
          f"{r.status.name}")
    r = gradient_descent()
    print(f"gradient descent lr = 0.01, 50 steps: x = {r.x[0]:.8f} ({r.status.name})")
    r = gradient_descent(None)
    print(f"gradient descent lr = 0.01 to convergence: x = {r.x[0]:.12f} in {r.nit} steps "
          f"({r.status.name})")
    r = trust_region_1d()
    print(f"trust region from 2, radius 0.5: x = {r.x[0]:.8f}, f = {r.fun:.8f}, {r.nit} "
          f"iterations ({r.status.name})")
    gd, lb = logistic()
    print(f"logistic regression: gradient descent (500 steps) loss = {gd.fun:.6f} "
          f"({gd.status.name}); L-BFGS ({lb.nit} iterations) loss = {lb.fun:.3g}, "
          f"||w|| = {np.linalg.norm(lb.x):.3g} ({lb.status.name})")
    print("  (the labels are the sign of X @ true_w: the data are separable, the loss has no "
          "minimizer and L-BFGS stops where the gradient is small with ||w|| large)")


if __name__ == "__main__":
    main()
