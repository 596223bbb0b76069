"""``natreg bench``: the registry measured against raw PostgreSQL and TLS baselines taken in the same run.

``runner`` orchestrates (embedded PostgreSQL, keys, import, rounds), ``load`` is the load generator that runs
in its own process, ``environment`` starts what is measured, ``data`` makes synthetic patrons, and ``report``
turns measurements into JSON and Markdown with the targets of issue 6.
"""
