"""policycheck: check a county's submitted facts against the health-policy documents that bind it."""

__version__ = "0.1.0"
