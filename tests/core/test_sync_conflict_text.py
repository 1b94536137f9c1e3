"""Conflict records name fields in the operator's words."""

from xjwc_desktop.core.exchange.columns import COLUMNS
from xjwc_desktop.core.sync.conflict_text import FIELD_LABELS


def test_every_case_column_the_exports_show_has_its_header_as_label() -> None:
    # address and description are shown with control characters made visible: still named
    assert FIELD_LABELS["address"] == "地址"
    assert FIELD_LABELS["description"] == "问题描述"
    assert len([c for c in COLUMNS if c.key in FIELD_LABELS]) >= 15
