"""Speed benchmarks, importable so `distill bench` works from an installed package.

Each module has ``main(argv) -> int``; ``benchmarks/*.py`` are thin scripts over them.
Benchmarks print ratios against a baseline measured side by side in the same run.
"""
