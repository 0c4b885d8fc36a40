"""The library's exceptions. Only the CLI turns them into messages and exit codes."""


class HdsgraphError(Exception):
    """Base class: something the user can act on; the CLI exits with ``exit_code`` (2: the
    input could not be used). A graph that breaks the shapes is no exception: ``build`` and
    ``validate_file`` return a result saying so, and the CLI exits with 1."""

    exit_code = 2


def first_line(exc: BaseException) -> str:
    """The first line of what a library said, for a one-line error (its type when it said nothing)."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


class InputError(HdsgraphError):
    """A file, folder or option that cannot be used as given."""


class FetchError(InputError):
    """The registry could not be downloaded: unreachable, refused, cut short, too large."""
