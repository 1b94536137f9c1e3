"""Build the map files in maps/ from the shared OSM geodata.

Usage: python scripts/build_maps.py [--geodata maps/source] [--out maps]

maps/source holds the OpenStreetMap extracts (ODbL) copied from shared/geodata.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # so the script runs from a checkout without installing

from xjwc_desktop.core.geo.build_maps import build_maps  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--geodata",
        type=Path,
        default=REPO / "maps" / "source",
        help="folder with the OSM extracts (default: %(default)s)",
    )
    parser.add_argument(
        "--out", type=Path, default=REPO / "maps", help="output folder (default: %(default)s)"
    )
    args = parser.parse_args(argv)
    summary = build_maps(args.geodata, args.out)
    print(json.dumps(summary, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
