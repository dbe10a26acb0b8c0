"""Speed benchmarks, importable so `distill bench` works from an installed package.

Each module has ``main(argv) -> int``; ``distill bench TARGET`` runs it.
Benchmarks print ratios against a baseline measured side by side in the same run.
"""
