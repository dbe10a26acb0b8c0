"""Beyond one machine: self-play units as Ray actors (`distill.scale.ray_selfplay`).

Ray is an optional extra (``pip install 'distill[ray]'``); importing this package does not
import Ray, and the local default never needs it.
"""
