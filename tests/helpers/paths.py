"""Where the checkout is, for tests that read its files (README, seeds, tools)."""

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]  # tests/helpers/paths.py -> the checkout
SHARED = REPO.parent / "shared"  # reference files kept beside the checkout (the DCAT-AP shapes)
