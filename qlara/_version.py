"""The package version, kept in one place so the User-Agent and metadata agree."""

__version__ = "0.1.0"
