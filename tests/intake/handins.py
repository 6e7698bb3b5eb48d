"""Hand-ins written for the intake tests: files in a folder, files in a zip."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path


def write(folder: Path, files: dict[str, str | bytes]) -> Path:
    """``folder`` (made if need be) holding ``files``, by relative name; returns ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
    return folder


def zip_bytes(files: dict[str, str | bytes]) -> bytes:
    """A zip archive holding ``files``, by name."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()
