"""User-facing errors: one line that names the problem and the fix."""


class UserError(Exception):
    """An error caused by input or configuration, shown to the user without a traceback.

    The message must be one line and say what to do about it.
    """

    exit_code = 2


class StoreUnavailable(UserError):
    """The vector store (e.g. a Chroma server) cannot be reached."""

    exit_code = 3


class BackendUnavailable(UserError):
    """A model backend cannot be reached or failed."""

    exit_code = 4
