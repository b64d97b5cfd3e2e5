"""brokenlang: find stale failure language in AI-agent memory files."""
from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__", "scan_paths"]


def scan_paths(paths: list[str] | tuple[str, ...] = (".",), **options: object) -> list[object]:
    """Scan files or folders and return the findings (see brokenlang.run.ScanOptions)."""
    from .run import ScanOptions, scan

    return list(scan(list(paths), ScanOptions(**options)).findings)  # type: ignore[arg-type]
