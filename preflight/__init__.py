"""preflight: readiness checks for moving mail to a new server."""

__version__ = "0.1.0"
