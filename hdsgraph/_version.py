"""The one version string: pyproject.toml reads it (hatch), the ontology's owl:versionInfo follows it."""

__version__ = "0.1.0"
