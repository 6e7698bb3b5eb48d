"""The build step that puts the grader's materials inside the built package.

Everything about the project is declared in pyproject.toml; this file only adds a ``build_py``
that copies the report templates and the default assignment (``assignment.toml`` and every file
it names, with the README beside each, which carries the dataset's licence) from the top level of
the repository, where DESIGN.md keeps them, into ``grader/_materials/`` of the build, laid out as
at the top level. ``grader.materials`` finds that copy in an installed grader, and the checkout's
own folders in an editable one. The same list puts the top-level files into the sdist, so a wheel
built from it has them too. setuptools runs this file from the project's folder, so the paths
here are relative to it.

Subclassing ``build_py`` (registered through ``cmdclass``) is setuptools' documented way to add
files at build time: https://setuptools.pypa.io/en/latest/userguide/extension.html
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path, PurePosixPath

from setuptools import setup
from setuptools.command.build_py import build_py

#: the folder inside the package (grader.materials.PACKAGED)
PACKAGED = Path("grader", "_materials")
SPEC = Path("assignment.toml")
TEMPLATES = Path("report_templates")


def named_by_spec(spec: Path = SPEC) -> list[Path]:
    """The files the spec names (dataset, originals, solutions), relative to its folder."""
    data = tomllib.loads(spec.read_text(encoding="utf-8"))
    names = [data["dataset"]] + [task[key] for task in data["tasks"]
                                 for key in ("original", "solution")]
    paths = [Path(PurePosixPath(name)) for name in names]
    outside = [str(p) for p in paths if p.is_absolute() or ".." in p.parts]
    if outside:
        raise SystemExit(f"{spec}: a shipped spec names files inside its folder only: {outside}")
    return paths


def materials() -> list[Path]:
    """Every file to ship, relative to the project's folder, in a stable order."""
    files = {SPEC, *(p for p in TEMPLATES.rglob("*") if p.is_file())}
    for path in named_by_spec():
        files.add(path)
        folders = [folder for folder in path.parents if folder != Path(".")]
        files.update(folder / "README.md" for folder in folders
                     if (folder / "README.md").is_file())
    missing = sorted(str(p) for p in files if not p.is_file())
    if missing:
        raise SystemExit(f"materials missing from the source tree: {missing}")
    return sorted(files)


class BuildWithMaterials(build_py):
    """``build_py`` that also puts the materials into the built package.

    It follows setuptools' protocol for build steps (``setuptools.command.build.SubCommand``):
    the ``get_*`` methods name the materials whether or not ``run`` ran; ``get_source_files``
    puts them into the sdist; in an editable install ``run`` copies nothing (the checkout is
    read), and ``get_output_mapping`` lets a strict editable install link them instead.
    """

    def run(self) -> None:
        super().run()
        if self.editable_mode:
            return
        for target, source in self._materials().items():
            self.mkpath(os.path.dirname(target))
            self.copy_file(source, target)

    def get_source_files(self) -> list[str]:
        return [*super().get_source_files(), *self._materials().values()]

    def get_outputs(self, include_bytecode: bool = True) -> list[str]:
        return [*super().get_outputs(include_bytecode), *self._materials()]

    def get_output_mapping(self) -> dict[str, str]:
        return {**super().get_output_mapping(), **self._materials()}

    def _materials(self) -> dict[str, str]:
        """Each file's place in the build, mapped to its source."""
        return {str(Path(self.build_lib) / PACKAGED / path): str(path) for path in materials()}


setup(cmdclass={"build_py": BuildWithMaterials})
