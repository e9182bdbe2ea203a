"""The ground floor: what every other layer uses and that knows nothing of games.

Errors (one hierarchy, one line each at the CLI), the evaluation protocol, safe file output,
worker pools. Imports nothing else from ``arena``.
"""
