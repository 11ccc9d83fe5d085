"""The benchmark harness (`make bench`): data generator, load runner, scenarios and report.

Not part of the application: nothing under app/, schema/, resolvers/ or loaders/ imports it, and
it is not packaged. Run it from the repository root: `python -m bench.run` (see
docs/benchmarks.md).
"""
