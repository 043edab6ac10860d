import importlib
import os
import pkgutil
import sys
import traceback

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "povertyplan.settings")
django.setup()

import bench  # noqa: E402  (after django.setup so benchmarks may import models)

names = sys.argv[1:] or sorted(m.name for m in pkgutil.iter_modules(bench.__path__) if m.name.startswith("bench_"))
if not names:
    print("No benchmark modules (bench/bench_*.py).")
failed = []
for name in names:  # each benchmark keeps to its own rows: any order, any number of reruns
    print(f"== {name}", flush=True)
    try:
        importlib.import_module(f"bench.{name}").main()
    except Exception:  # the others still run; the exit code says one failed
        traceback.print_exc()
        failed.append(name)
if failed:
    print(f"Benchmarks that failed: {', '.join(failed)}", flush=True)
    sys.exit(1)
