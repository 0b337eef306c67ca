"""Expected failures of the command line: one clear line, a fixed exit code, no traceback."""

from __future__ import annotations

from sqlalchemy.exc import DatabaseError

from storage.config import database_problem


class CliError(Exception):
    """A failure the user can act on; ``exit_code`` 2 for bad arguments, 1 otherwise."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def database_error(url: str, exc: DatabaseError) -> CliError:
    """A one-line message naming the database (password masked) and the driver's reason."""
    return CliError(database_problem(url, exc))
