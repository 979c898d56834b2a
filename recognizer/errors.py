"""The one exception a user can cause."""


class InputError(ValueError):
    """The input cannot be recognized; `str(error)` is a sentence written for the user.

    Everything a user can get wrong (an unreadable, huge or empty file, a wrong format, an array
    of the wrong shape) raises this type and nothing else, so callers need one `except`.
    """
