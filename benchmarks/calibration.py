"""Calibration benchmark: leave-one-out cross-validation of the fitted platform on real AWS data.

    python benchmarks/calibration.py                                  # ../shared/data/aws-coldstart-train.csv
    python benchmarks/calibration.py --data FILE.csv --span 1e6      # or --arrivals N per experiment

Fits :func:`stackerynb.analysis.calibrate` to all experiments (parameters with standard errors,
fitted against observed), then refits leaving each experiment out and predicts it (routing and
fixed-or-lognormal keep-alive chosen again in each fold): mean absolute relative error of p_cold
and mean |error| / standard error. Targets on unseen experiments:
MARE <= 9%, mean |error|/SE <= 1.0 (the measurements' own noise is ~10% of the value).
"""
from __future__ import annotations

import argparse
import os
import sys
import time

import pandas as pd

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
DEFAULT = os.path.join(os.path.dirname(ROOT), "shared", "data", "aws-coldstart-train.csv")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default=DEFAULT if os.path.exists(DEFAULT) else "/work/shared/data/aws-coldstart-train.csv")
    ap.add_argument("--arrivals", type=int, default=None, help="per experiment (default: --span seconds of arrivals)")
    ap.add_argument("--span", type=float, default=600_000.0, help="simulated seconds per experiment (>= 30,000 arrivals)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    from stackerynb.analysis.calibrate import calibrate, cross_validate

    data = pd.read_csv(args.data, comment="#")
    t0 = time.perf_counter()
    cal = calibrate(data, arrivals=args.arrivals, seed=args.seed, span=args.span)
    print(f"fit on all {len(data)} experiments in {time.perf_counter() - t0:.1f} s: {cal.platform!r}")
    print(cal.parameters[["estimate", "se", "unit"]].to_string())
    print("neg. log-likelihood by routing:", {k: round(v, 2) for k, v in cal.routings.items()})
    print(cal.fitted.to_string())
    t0 = time.perf_counter()
    cv = cross_validate(data, arrivals=args.arrivals, seed=args.seed, span=args.span, progress=True)
    print(f"\nleave-one-out ({time.perf_counter() - t0:.1f} s):")
    print(cv.to_string())
    print(f"LOO mean abs relative error {cv.attrs['mare']:.1%}   mean |error|/SE {cv.attrs['mean_abs_z']:.2f}")


if __name__ == "__main__":
    main()
