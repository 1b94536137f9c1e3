"""Errors the user sees. Each message names what is wrong and what to do, in Chinese."""

from __future__ import annotations


class XjwcError(Exception):
    """Base of all errors meant for the user (CLI prints the message, GUI shows a dialog)."""

    exit_code = 2


class DatabaseError(XjwcError):
    """The database file cannot be used as asked; nothing was changed."""


class DatabaseMissingError(DatabaseError):
    pass


class ForeignDatabaseError(DatabaseError):
    pass


class NewerSchemaError(DatabaseError):
    pass


class DatabaseNotWritableError(DatabaseError):
    pass


class InputError(XjwcError):
    """A value given on the command line or in a form is not acceptable."""
