#!/usr/bin/python3
"""Generate golden vectors for activities/ml/decompose.ts from statsmodels.

Run with Debian's interpreter, which has statsmodels (apt-get install python3-statsmodels):

    /usr/bin/python3 test/golden/generate-decompose.py

Writes test/golden/decompose-vectors.json next to this file. The inputs are deterministic (fixed numpy
seed), so re-running with the same statsmodels/numpy gives a byte-identical file.
"""

import json
import math
import platform
from pathlib import Path

import numpy as np
import pandas as pd
import statsmodels
from statsmodels.tsa.seasonal import seasonal_decompose

PERIOD = 7
SEED = 20240607
CALL = 'seasonal_decompose(x, model="additive", period=7, extrapolate_trend="freq")'
OUT = Path(__file__).resolve().parent / "decompose-vectors.json"

rng = np.random.default_rng(SEED)

# A typical weekday-heavy profile of daily credits (index 0 = Monday), added to a baseline.
WEEKLY = np.array([12.0, 14.0, 13.0, 15.0, 10.0, -30.0, -34.0])


def weekly(n):
    return np.resize(WEEKLY, n)


def cases():
    """(name, description, input series) for each golden case; every series is finite."""
    i = np.arange(56)
    yield (
        "weekly pattern with noise and upward trend (56 days)",
        "100 + 0.5*i + weekly profile + N(0, 3) noise",
        100 + 0.5 * i + weekly(56) + rng.normal(0, 3, 56),
    )

    x = 40 + weekly(63) * 0.5 + rng.normal(0, 2, 63)
    x[[9, 30, 47]] = [4000.0, 12500.0, 2750.5]  # runaway queries: spikes 100-300x the baseline
    x[[15, 16, 40, 61]] = 0.0  # days with no usage (warehouse suspended)
    yield (
        "huge spikes and zero days (63 days)",
        "baseline ~40 credits with three spikes up to 12500 and four zero days, incl. one near the end",
        x,
    )

    yield (
        "exactly two periods, the minimum (14 days)",
        "shortest accepted series: only 8 trend points are defined before extrapolation",
        60 + 1.5 * np.arange(14) + weekly(14) + rng.normal(0, 4, 14),
    )

    i = np.arange(31)
    yield (
        "odd length, not a whole number of periods (31 days)",
        "a month of data with a quadratic trend, so the extrapolated ends are not on a straight line",
        80 + 0.8 * i - 0.03 * i**2 + weekly(31) + rng.normal(0, 2.5, 31),
    )

    i = np.arange(120)
    yield (
        "long series with slow cycle and growth (120 days)",
        "linear growth plus a 45-day sine and a weekly profile with noise",
        200 + 0.9 * i + 25 * np.sin(2 * np.pi * i / 45) + 2 * weekly(120) + rng.normal(0, 6, 120),
    )

    yield (
        "constant series (28 days)",
        "every day exactly 42.5 credits: trend 42.5, seasonal and residual ~0",
        np.full(28, 42.5),
    )

    x = np.zeros(70)
    weekend = np.arange(70) % 7 >= 5
    x[weekend] = 8 + rng.gamma(4.0, 2.0, weekend.sum())
    yield (
        "weekend-only warehouse, mostly zeros (70 days)",
        "zero Monday-Friday, gamma-distributed usage on Saturday and Sunday",
        x,
    )


def encode(values):
    """Plain floats (json writes them with repr: shortest round-trip form, exact in JS). NaN would not be
    valid JSON, so it is written as null; extrapolate_trend="freq" fills both trend ends, so none is expected."""
    return [None if math.isnan(v) else float(v) for v in values]


def main():
    out = {
        "description": "Golden vectors for seasonalDecompose(values, 7) in activities/ml/decompose.ts",
        "generator": "test/golden/generate-decompose.py",
        "call": CALL,
        "period": PERIOD,
        "seed": SEED,
        "versions": {
            "python": platform.python_version(),
            "statsmodels": statsmodels.__version__,
            "numpy": np.__version__,
            "pandas": pd.__version__,
        },
        "cases": [],
    }
    print(f"statsmodels {statsmodels.__version__}, numpy {np.__version__}: {CALL}")
    for name, description, x in cases():
        x = np.asarray(x, dtype=float)
        # A plain ndarray (not a Series) so the results are plain arrays with no index.
        r = seasonal_decompose(x, model="additive", period=PERIOD, extrapolate_trend="freq")
        parts = {"trend": r.trend, "seasonal": r.seasonal, "resid": r.resid}
        nans = sum(int(np.isnan(p).sum()) for p in parts.values())
        out["cases"].append(
            {"name": name, "description": description, "input": encode(x), **{k: encode(v) for k, v in parts.items()}}
        )
        print(f"  {name}: n={len(x)}, max|x|={np.abs(x).max():g}, NaNs={nans}")
    # allow_nan=False: fail loudly rather than write the invalid token NaN.
    OUT.write_text(json.dumps(out, indent=2, allow_nan=False) + "\n")
    print(f"wrote {len(out['cases'])} cases to {OUT}")


if __name__ == "__main__":
    main()
