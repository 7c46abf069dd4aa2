"""SnowPatrol's anomaly detection, done the way SnowPatrol did it (pandas + statsmodels + scikit-learn), walked
forward over a date range with the same semantics as `snowpatrolMethodFlags` in activities/ml/snowpatrol-method.ts.

    /usr/bin/python3 bench/snowpatrol_method.py CSV FROM TO TRAINING_DAYS RETRAIN_EVERY_DAYS SEED

CSV has the columns warehouse,usage_date,credits: one row per warehouse-day, a complete calendar per warehouse.
For each warehouse (pandas groupby), walking the judged days FROM … TO in order:
- when there is no model yet, or the day is more than RETRAIN_EVERY_DAYS after the last model's training end,
  retrain on the TRAINING_DAYS ending the day before (fewer at the start of a series; under two weeks: the day is
  skipped): `seasonal_decompose(additive, period=7, extrapolate_trend="freq")` of that window, an
  `IsolationForest(n_estimators=100, random_state=SEED)` fitted on its residuals, and a threshold of
  mean − 3σ (population σ) of the forest's `score_samples` on the training residuals;
- each judged day: decompose the history from the model's training start up to and including that day, keep the
  last residual, and flag the day when its `score_samples` is below the threshold. The residuals of the days one
  model judges are scored in one call (same scores as one call per day, fewer calls).

Writes one JSON object on stdout: {"seconds": compute time (CSV load and interpreter start excluded), "flags":
[{"warehouse", "usage_date"}], "versions": {...}}. Progress goes to stderr.
"""

import json
import sys
import time
import warnings

import numpy as np
import pandas as pd
import sklearn
import statsmodels
from sklearn.ensemble import IsolationForest
from statsmodels.tsa.seasonal import seasonal_decompose

PERIOD = 7


def residuals(history: pd.Series) -> pd.Series:
    return seasonal_decompose(history, model="additive", period=PERIOD, extrapolate_trend="freq").resid


def warehouse_flags(credits: pd.Series, first: pd.Timestamp, last: pd.Timestamp, training_days: int,
                    retrain_every: int, seed: int) -> list:
    """The judged days of one warehouse's daily series (DatetimeIndex, daily frequency) that the method flags."""
    one_day = pd.Timedelta(days=1)
    flagged = []
    model = None
    trained_to = None
    threshold = None
    pending = []  # (day, residual) judged by the current model, scored together

    def score_pending():
        if pending:
            frame = pd.DataFrame({"residual": [r for _, r in pending]})
            scores = model.score_samples(frame)
            flagged.extend(day for (day, _), score in zip(pending, scores) if score < threshold)
            pending.clear()

    for day in credits.index[(credits.index >= first) & (credits.index <= last)]:
        if model is None or day > trained_to + pd.Timedelta(days=retrain_every):
            history = credits.loc[day - pd.Timedelta(days=training_days): day - one_day]
            if len(history) < 2 * PERIOD:
                continue
            score_pending()
            training = residuals(history).to_frame("residual")
            model = IsolationForest(n_estimators=100, random_state=seed).fit(training)
            scores = model.score_samples(training)
            threshold = scores.mean() - 3 * scores.std()
            trained_to = day - one_day
        history = credits.loc[trained_to - pd.Timedelta(days=training_days - 1): day]
        pending.append((day, residuals(history).iloc[-1]))
    if model is not None:
        score_pending()
    return flagged


def main() -> None:
    if len(sys.argv) != 7:
        sys.exit(__doc__)
    path, first, last = sys.argv[1], pd.Timestamp(sys.argv[2]), pd.Timestamp(sys.argv[3])
    training_days, retrain_every, seed = (int(a) for a in sys.argv[4:7])
    warnings.simplefilter("ignore")

    data = pd.read_csv(path, parse_dates=["usage_date"])

    started = time.perf_counter()
    groups = data.groupby("warehouse", sort=False)
    total = groups.ngroups
    flags = []
    for i, (warehouse, rows) in enumerate(groups, start=1):
        credits = rows.set_index("usage_date")["credits"].sort_index().asfreq("D")
        for day in warehouse_flags(credits, first, last, training_days, retrain_every, seed):
            flags.append({"warehouse": warehouse, "usage_date": day.strftime("%Y-%m-%d")})
        if i % max(1, total // 20) == 0 or i == total:
            elapsed = time.perf_counter() - started
            print(f"  python: {i}/{total} warehouses, {elapsed:.0f} s", file=sys.stderr, flush=True)
    seconds = time.perf_counter() - started

    versions = {
        "python": sys.version.split()[0],
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "statsmodels": statsmodels.__version__,
        "sklearn": sklearn.__version__,
    }
    json.dump({"seconds": seconds, "flags": flags, "versions": versions}, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
