"""The ``rivalry`` command line: a thin layer over the Python API."""
