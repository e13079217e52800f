"""`make bench`: the performance figures of issue 5, each beside a floor or peer measured in the same run.

Sections (``python -m bench --only NAME``): coldstart, calls, login, enumeration, weight, load, size.
"""
