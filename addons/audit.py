"""mitmproxy entry script: `mitmdump -s addons/audit.py` (or mitmweb). The package must be installed (make venv)."""

from tredjepart.proxy.addon import Auditor

addons = [Auditor()]
