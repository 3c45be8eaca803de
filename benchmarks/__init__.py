"""Benchmarks run by `make bench`: each module returns a Markdown table."""
