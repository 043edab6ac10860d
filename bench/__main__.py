import importlib
import os
import pkgutil
import sys

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "povertyplan.settings")
django.setup()

import bench  # noqa: E402  (after django.setup so benchmarks may import models)

names = sys.argv[1:] or sorted(m.name for m in pkgutil.iter_modules(bench.__path__) if m.name.startswith("bench_"))
if not names:
    print("No benchmark modules (bench/bench_*.py).")
for name in names:
    print(f"== {name}", flush=True)
    importlib.import_module(f"bench.{name}").main()
