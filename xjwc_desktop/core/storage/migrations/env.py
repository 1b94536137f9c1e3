"""Alembic environment: runs on the connection the application hands over.

The application (not the ``alembic`` command line) decides when to migrate, inside its own
transaction, so a failed migration leaves the file as it was.
"""

from alembic import context

from xjwc_desktop.core.model import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover - only the application drives migrations
    raise RuntimeError("xjwc migrations run through xjwc_desktop.core.storage.migrate")



def include_object(obj, name, type_, reflected, compare_to):
    # The R*Tree virtual table and its shadow tables live outside the ORM model.
    return not (type_ == "table" and name.startswith("case_rtree"))


context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    include_object=include_object,
    render_as_batch=True,  # SQLite cannot ALTER most things; batch mode copies the table
    compare_type=True,
)
context.run_migrations()
