"""Performance measurements (not tests). Run them with ``python -m benchmarks.run``."""
