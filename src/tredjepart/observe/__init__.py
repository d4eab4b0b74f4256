"""Turning a mitmproxy flow into plain records: pure functions, no I/O, nothing secret kept."""

from tredjepart.observe.flow import observe

__all__ = ["observe"]
