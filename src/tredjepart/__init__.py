"""tredjepart: an auditing proxy for third parties on citizen self-service solutions."""

__version__ = "0.1.0"
