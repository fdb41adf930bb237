"""One line per figure of the speed targets, in one format for every benchmark:
`seed 3.10 s | adb push 2.90 s | 1.07x | target <= 1.3x | met`. Not collected as a benchmark;
nothing here asserts, a figure that misses its target is printed as NOT met."""

from __future__ import annotations


def ratio(name: str, seconds: float, raw_name: str, raw_seconds: float, *, at_most: float | None = None,
          at_least: float | None = None, speed: bool = False) -> bool:
    """Print `name` against `raw_name`, both in seconds. The ratio is time over raw time, or with
    `speed` raw time over time (how many times faster); returns whether the target is met."""
    value = (raw_seconds / seconds if speed else seconds / raw_seconds) if min(seconds, raw_seconds) > 0 else 0.0
    met = (at_most is None or value <= at_most) and (at_least is None or value >= at_least)
    target = f"<= {at_most}x" if at_most is not None else f">= {at_least}x"
    print(f"{name} {seconds:.2f} s | {raw_name} {raw_seconds:.2f} s | {value:.2f}x | target {target} | "
          f"{'met' if met else 'NOT met'}", flush=True)
    return met


def time_limit(name: str, seconds: float, at_most: float) -> bool:
    """Print a figure whose target is a time of its own (`cold stress <= 3 s`)."""
    met = seconds <= at_most
    print(f"{name} {seconds:.2f} s | target <= {at_most:g} s | {'met' if met else 'NOT met'}", flush=True)
    return met
