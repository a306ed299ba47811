"""The one exception type rivalry raises for bad input; the CLI prints it as a single line."""


class RivalryError(Exception):
    """A user-facing error: bad input, a missing file, an unsupported model.

    The CLI prints ``rivalry: error: <message>`` and exits with status 2, without a traceback.
    """
