"""Benchmarks of sightgate against real server processes (run with ``python -m bench``).

Each benchmark starts the servers it measures as separate uvicorn processes, drives them
over HTTP from this process, and reports absolute figures beside a baseline measured in
the same run, so a result can be judged on any machine.
"""
