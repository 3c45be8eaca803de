"""`make bench`: run every benchmark section and print its table.

Usage: python -m benchmarks [--sizes 1000,10000,50000] [--only validate,site,referral]
"""

import argparse
import importlib
import sys
import time
from pathlib import Path

SECTIONS = {
    "validate": "Validation (`beweegkaart validate`)",
    "site": "Static site: build, data size, browser (`beweegkaart build`)",
    "referral": "Referral app: form POST and outbox",
}


def main() -> int:
    """Parse arguments, run the chosen sections, print their tables."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--sizes",
        default="1000,10000,50000",
        help="catalogue sizes, comma-separated (default 1000,10000,50000)",
    )
    parser.add_argument(
        "--only",
        default=",".join(SECTIONS),
        help=f"sections to run, comma-separated (default all: {','.join(SECTIONS)})",
    )
    parser.add_argument(
        "--workdir",
        type=Path,
        default=Path(".bench"),
        help="folder for synthetic catalogues and builds (default .bench/)",
    )
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s]
    # (absolute: the servers a section starts run in folders of their own)
    args.workdir = args.workdir.resolve()
    args.workdir.mkdir(parents=True, exist_ok=True)
    for name in args.only.split(","):
        if name not in SECTIONS:
            parser.error(f"unknown section {name!r}; expected one of {list(SECTIONS)}")
        print(f"\n## {SECTIONS[name]}\n", flush=True)
        start = time.perf_counter()
        module = importlib.import_module(f"benchmarks.{name}")
        if name == "referral":
            print(module.main(args.workdir))
        else:
            print(module.main(args.workdir, sizes))
        print(f"\n({time.perf_counter() - start:.0f} s)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
