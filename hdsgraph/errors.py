"""The library's exceptions. Only the CLI turns them into messages and exit codes."""


class HdsgraphError(Exception):
    """Base class: something the user can act on. ``exit_code`` follows pySHACL's habit:
    1 means the data does not conform, 2 means the input could not be used."""

    exit_code = 2


class InputError(HdsgraphError):
    """A file, folder or option that cannot be used as given."""


class ValidationFailed(HdsgraphError):
    """The graph does not conform to the shapes; carries the validation result."""

    exit_code = 1

    def __init__(self, message: str, result=None):
        super().__init__(message)
        self.result = result


class FetchError(InputError):
    """The registry could not be downloaded: unreachable, refused, cut short, too large."""
