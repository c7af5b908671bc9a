"""The real CAP corpus in ../shared/cap-corpus (read in place, never copied into the repository)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from tests.helpers.cli import ROOT

CORPUS = ROOT.parent / "shared" / "cap-corpus"
# Tests that read the corpus skip, saying why, on a checkout without ../shared beside it.
needs_corpus = pytest.mark.skipif(
    not (CORPUS / "SOURCES.tsv").exists(), reason=f"the CAP corpus is not at {CORPUS} (../shared/cap-corpus)"
)


def sources() -> dict[str, dict[str, str]]:
    """SOURCES.tsv rows by file path (top-level alerts, `feeds/...` and `extras/...`)."""
    with (CORPUS / "SOURCES.tsv").open(encoding="utf-8") as f:
        return {row["file"]: row for row in csv.DictReader(f, delimiter="\t")}


def alert_files() -> list[Path]:
    """The corpus's single CAP alerts: its top-level files, one alert each."""
    if not CORPUS.exists():
        return []
    return sorted(p for p in CORPUS.iterdir() if p.is_file() and p.name not in ("README.md", "SOURCES.tsv"))


def is_thai(path: Path) -> bool:
    """Whether SOURCES.tsv says the file comes from a Thai agency."""
    return sources()[path.name]["country"] == "TH"
