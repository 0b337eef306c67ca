"""How many hostile inputs the parser, the pipelines and URL canonicalization take, and what
became of them: mutated real article pages and hostile URLs, as in ``tests/test_fuzz_parser.py``
but with more examples. Prints the count per outcome; any uncaught error fails the run.

    python bench/hostile.py --examples 2000
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The repository root instead of bench/ (whose incremental.py would shadow Twisted's dependency).
sys.path[:] = [str(ROOT), *(p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=2000, help="per property (default 2000)")
    args = parser.parse_args()
    os.environ["FUZZ_EXAMPLES"] = str(args.examples)
    logging.disable(logging.WARNING)  # every drop logs a line; only the totals matter here
    from tests import test_fuzz_parser as fuzz

    started = time.monotonic()
    fuzz.test_mutated_pages_parse_and_pass_or_drop_cleanly()
    fuzz.test_hostile_urls_give_none_or_a_canonical_url()
    seconds = time.monotonic() - started
    pages = sum(n for key, n in fuzz.OUTCOMES.items() if not key.startswith(("url", "page")))
    urls = fuzz.OUTCOMES["url canonical"] + fuzz.OUTCOMES["url refused"]
    print(f"{pages} mutated pages and {urls} hostile URLs in {seconds:.1f}s, none unhandled")
    for outcome, count in fuzz.OUTCOMES.most_common():
        print(f"  {outcome:<28} {count:>6}")


if __name__ == "__main__":
    main()
