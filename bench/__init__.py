"""
convroute's benchmarks: run by hand, never as unit tests.

``python -m bench --help`` lists them; docs/performance.md holds the results.
"""
