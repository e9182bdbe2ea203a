"""Comparing agents: benchmarks over suites, their typed results lines, the leaderboard,
2-player matches and tournaments, and the HTML reports (``templates/``).

May import host and the layers below it.
"""
