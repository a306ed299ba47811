"""The notebook API: one function per experiment (``rivalry.forbidden_facts(model, ...)`` and friends).

Each function takes models (:class:`rivalry.Model`), an optional config and keyword overrides of the config's
fields, and returns the experiment's typed ``Result``. ``rivalry/__init__.py`` exposes them lazily.
"""
