"""The package version, in one place (the CLI, cassette headers and ``mockai.__version__``)."""

__version__ = "0.1.0"
