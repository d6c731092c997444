"""A calibrated logistic model over named features: P(the answer is correct).

The judge's logit alone is over-confident on questions it has never seen;
a logistic regression over the logit and the lexical evidence, fitted on
out-of-fold logits (answers to questions the judge was not trained on),
turns them into a probability that means what it says. Applying it needs
only Python; fitting it (:func:`fit`) uses numpy.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Calibration:
    """Standardised features -> logistic probability."""

    names: tuple[str, ...]
    means: tuple[float, ...]
    scales: tuple[float, ...]
    weights: tuple[float, ...]
    bias: float

    def logit(self, features: Mapping[str, float]) -> float:
        """The linear score (KeyError names a missing feature)."""
        total = self.bias
        for name, mean, scale, weight in zip(
            self.names, self.means, self.scales, self.weights, strict=True
        ):
            total += weight * (features[name] - mean) / scale
        return total

    def probability(self, features: Mapping[str, float]) -> float:
        """P(correct), 0..1."""
        return sigmoid(self.logit(features))

    def to_json(self) -> dict[str, Any]:
        """Plain form for the model's JSON file."""
        return {
            "names": list(self.names),
            "means": [round(v, 6) for v in self.means],
            "scales": [round(v, 6) for v in self.scales],
            "weights": [round(v, 6) for v in self.weights],
            "bias": round(self.bias, 6),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Calibration:
        """Read :meth:`to_json`'s form back (ValueError if the lengths disagree)."""
        names = tuple(str(n) for n in data["names"])
        columns = [tuple(float(v) for v in data[key]) for key in ("means", "scales", "weights")]
        if any(len(c) != len(names) for c in columns):
            raise ValueError("calibration lists differ in length")
        return cls(names, columns[0], columns[1], columns[2], float(data["bias"]))


def sigmoid(x: float) -> float:
    """1 / (1 + e^-x), without overflow."""
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


def fit(
    rows: Sequence[Mapping[str, float]],
    labels: Sequence[bool],
    names: Sequence[str],
    *,
    l2: float = 1.0,
    iterations: int = 50,
    weights: Sequence[float] | None = None,
) -> Calibration:
    """L2-regularised logistic regression by Newton's method (numpy).

    ``weights`` (one per row, default 1) make some rows count more: a small
    set of answers of another kind is not drowned by a large one.
    """
    import numpy as np

    x = np.array([[row[n] for n in names] for row in rows], dtype=np.float64)
    y = np.array([1.0 if label else 0.0 for label in labels])
    w = np.ones(len(y)) if weights is None else np.array(weights, dtype=np.float64)
    means = np.average(x, axis=0, weights=w)
    scales = np.sqrt(np.average((x - means) ** 2, axis=0, weights=w))
    scales[scales < 1e-9] = 1.0
    z = np.hstack([(x - means) / scales, np.ones((len(x), 1))])
    beta = np.zeros(z.shape[1])
    penalty = np.full(z.shape[1], l2)
    penalty[-1] = 0.0  # the bias is not shrunk
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-(z @ beta)))
        gradient = z.T @ (w * (p - y)) + penalty * beta
        hessian = (z * (w * p * (1 - p))[:, None]).T @ z + np.diag(penalty)
        step = np.linalg.solve(hessian, gradient)
        beta -= step
        if float(np.abs(step).max()) < 1e-8:
            break
    return Calibration(
        tuple(names),
        tuple(float(v) for v in means),
        tuple(float(v) for v in scales),
        tuple(float(v) for v in beta[:-1]),
        float(beta[-1]),
    )
