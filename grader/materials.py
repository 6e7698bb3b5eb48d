"""Where the grader's own materials are: the report templates and the default assignment.

The repository keeps them at its top level (``report_templates/``, ``assignment.toml`` and the
files it names under ``reference/`` and ``data/``), where DESIGN.md puts them. A built package has
no checkout to read them from, so the build step (``setup.py``) copies them into the package as
``grader/_materials/``, laid out as at the top level, so the same spec resolves there unchanged.
An editable install has no such copy and reads the checkout's folders.

This is the only module that knows either place; everything else asks it. Standard library only
(``importlib.resources``), so the spec, the first stage, can use it.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

#: the folder inside the package that a build fills (see setup.py)
PACKAGED = "_materials"
#: the spec's file name, in the checkout, in the packaged copy and in any assignment folder
SPEC_NAME = "assignment.toml"
TEMPLATES = "report_templates"
#: marks the folder above the package as the project's checkout (an editable install)
CHECKOUT_MARKER = "pyproject.toml"


class MaterialsError(Exception):
    """The grader's own materials are missing: a broken installation, not a user's mistake."""


def materials_root(*, package: Path | None = None) -> Path:
    """The folder that holds ``assignment.toml`` and ``report_templates/``.

    The packaged copy when the package carries one (a wheel, ``pip install .``), else the checkout
    the package sits in (an editable install). ``package`` is the ``grader`` package's folder
    (default: the one imported).
    """
    here = package if package is not None else _package_folder()
    packaged = here / PACKAGED
    if _holds_materials(packaged):
        return packaged
    checkout = here.parent
    if (checkout / CHECKOUT_MARKER).is_file() and _holds_materials(checkout):
        return checkout
    raise MaterialsError(
        f"the grader's materials ({SPEC_NAME}, {TEMPLATES}/) are neither packaged in {packaged} "
        f"nor in a checkout at {checkout}: reinstall the grader (pip install .)"
    )


def default_spec() -> Path:
    """The assignment the grader ships with (``--assignment`` names another)."""
    return materials_root() / SPEC_NAME


def templates() -> Path:
    """The report's Jinja2 templates, stylesheet and script."""
    return materials_root() / TEMPLATES


def _holds_materials(folder: Path) -> bool:
    return (folder / SPEC_NAME).is_file() and (folder / TEMPLATES).is_dir()


def _package_folder() -> Path:
    package = files(__package__ or "grader")
    if not isinstance(package, Path):  # imported from a zip: templates and dataset need real files
        raise MaterialsError(f"the grader must be installed as files, not imported from {package}")
    return package
