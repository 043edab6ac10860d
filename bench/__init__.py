"""Benchmarks: `make bench` runs every bench/bench_*.py module's main() on the bench database.

Each benchmark prints its figures for people and, for comparing runs, one line per figure:
`BENCH <name> <value> <unit>`. Speed targets are measured here, never in unit tests.
"""


def report(name: str, value: float, unit: str) -> None:
    print(f"BENCH {name} {value:.3f} {unit}", flush=True)


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def page_times(client, url: str, requests: int) -> list[float]:
    """Milliseconds of `requests` GETs of the page (each must answer 200)."""
    import time

    times = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, url
    return times
