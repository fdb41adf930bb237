"""Benchmarks of pytest-phonebackup: each module measures one thing against the raw tool in the
same run and prints ratios. Run them with `python -m benchmarks [name]`."""
