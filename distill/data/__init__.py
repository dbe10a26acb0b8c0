"""Data shipped with distill: solver-scored position sets (see `distill.arena.positions`).

``<domain>-<bucket>.txt`` files, made by the seeded command in their first lines.
"""
