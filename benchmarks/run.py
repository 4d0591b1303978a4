"""`make bench`: run every benchmark in this folder, one after the other, and
repeat their summary lines at the end."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    sys.path.insert(0, str(HERE))
    summaries = []
    for path in sorted(HERE.glob("bench_*.py")):
        print(f"== {path.name}", flush=True)
        summaries.append(importlib.import_module(path.stem).main())
        print()
    print("\n".join(summaries))
    return 0


if __name__ == "__main__":
    sys.exit(main())
