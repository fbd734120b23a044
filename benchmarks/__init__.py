"""Benchmarks of the SDK and the local service against their anchors (issue 8).

Run ``python benchmarks/run.py`` (writes ``benchmarks/RESULTS.md``); CI runs
``python benchmarks/run.py --quick --output PATH``.  Never imported by the tests.
"""
