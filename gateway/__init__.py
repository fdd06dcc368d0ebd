"""Makes ``import gateway`` from the repository root reach the package in ``gateway/gateway/``.

The repository's top-level directory carries the package's name. With the repository root on
``sys.path`` (gunicorn's working directory, ``python -m gateway.accounts`` run from there), Python
would otherwise import this directory as an empty namespace package instead of the installed one.
"""
from pathlib import Path as _Path

__path__ = [str(_Path(__file__).resolve().parent / "gateway")]
__file__ = str(_Path(__path__[0]) / "__init__.py")
