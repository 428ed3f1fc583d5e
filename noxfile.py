"""Sessions over every Python the machine has (pyenv holds 3.10 to 3.13 here)."""

from __future__ import annotations

import glob
import os
import shutil

import nox

nox.options.default_venv_backend = "uv|virtualenv"
nox.options.sessions = ["tests", "lint", "typing", "minimal"]
nox.options.error_on_missing_interpreters = False

os.environ.setdefault("UV_PYTHON_DOWNLOADS", "never")  # uv cannot download interpreters here


def _interpreter(version: str) -> str:
    """The version's interpreter: pyenv's (whose shims may refuse it), else the PATH's."""
    root = os.environ.get("PYENV_ROOT", os.path.expanduser("~/.pyenv"))
    found = sorted(glob.glob(f"{root}/versions/{version}.*/bin/python{version}"))
    if found:
        return found[-1]
    return shutil.which(f"python{version}") or version


PYTHONS = [_interpreter(v) for v in ("3.10", "3.11", "3.12", "3.13")]


def _install_dev(session: nox.Session) -> None:
    session.run_install(
        "uv",
        "sync",
        "--locked",
        f"--python={session.virtualenv.location}",
        env={"UV_PROJECT_ENVIRONMENT": session.virtualenv.location},
    )


@nox.session(python=PYTHONS)
def tests(session: nox.Session) -> None:
    """The test suite on each Python."""
    _install_dev(session)
    session.run("pytest", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    """Ruff's checks and formatting."""
    _install_dev(session)
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session
def typing(session: nox.Session) -> None:
    """mypy --strict over the package, the tests and the benchmarks."""
    _install_dev(session)
    session.run("mypy", "--strict")


@nox.session(python=PYTHONS[0])
def minimal(session: nox.Session) -> None:
    """The core imports with its runtime dependencies only, no extras."""
    session.install(".")
    session.run("python", "-c", "import qlara, qlara.testing; print(qlara.__version__)")
