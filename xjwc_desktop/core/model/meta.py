"""Local, never-synced facts about this database file."""

from __future__ import annotations

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from xjwc_desktop.core.model.base import Base


class LocalMeta(Base):
    """Key/value facts of this workstation's database (its workstation id, ...)."""

    __tablename__ = "local_meta"

    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
