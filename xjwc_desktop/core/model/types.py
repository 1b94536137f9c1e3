"""Column types shared by the model."""

from __future__ import annotations

from enum import Enum

from sqlalchemy import Enum as SAEnum


def enum_type(enum_cls: type[Enum], *, constraint: bool = True,
              name: str | None = None) -> SAEnum:
    """Store an enum by its stable code (not its Python name), with a CHECK constraint.

    The CHECK keeps rows written by other tools (sync, imports, a DBA) inside the
    vocabulary; codes rather than names keep the database readable and stable. Columns added
    by a later migration go without it (SQLite cannot add a CHECK with ALTER TABLE); the
    ORM still refuses values outside the enum. ``name`` (default: the enum's) names the
    CHECK constraint; two columns of one enum in one table need two names, or PostgreSQL
    refuses the second constraint.
    """
    return SAEnum(
        enum_cls,
        native_enum=False,
        create_constraint=constraint,
        length=24,
        values_callable=lambda cls: [m.value for m in cls],
        name=name or enum_cls.__name__.lower(),
        validate_strings=True,
    )
