"""The entry script `tredjepart proxy` hands to mitmdump/mitmweb (same as addons/audit.py, but installed)."""

from tredjepart.proxy.addon import Auditor

addons = [Auditor()]
