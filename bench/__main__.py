"""Run the benchmarks: python -m bench [NAME ...]; prints each figure against its baseline."""
import argparse
import importlib
import sys

BENCHMARKS = ["export", "verify", "catalogue", "upload", "pages", "scheduler", "imports", "office"]


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("names", nargs="*", metavar="NAME", help=f"any of {BENCHMARKS}; default: all")
    parser.add_argument("--quick", action="store_true", help="smaller data, for a smoke run")
    args = parser.parse_args()
    unknown = set(args.names) - set(BENCHMARKS)
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(sorted(unknown))}")
    results = {}
    for name in args.names or BENCHMARKS:
        module = importlib.import_module(f"bench.{name}")
        results[name] = module.run(**({"quick": True} if args.quick else {}))
    print("\nSummary: " + ", ".join(f"{n} {'PASS' if ok else 'FAIL'}" for n, ok in results.items()))
    return 0 if all(results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
