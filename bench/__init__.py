"""Benchmarks: `make bench` runs every bench/bench_*.py module's main() on the bench database.

Each benchmark prints its figures for people and, for comparing runs, one line per figure:
`BENCH <name> <value> <unit>`. Speed targets are measured here, never in unit tests.
"""


def report(name: str, value: float, unit: str) -> None:
    print(f"BENCH {name} {value:.3f} {unit}", flush=True)
