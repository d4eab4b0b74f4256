"""The opt-in in-page instrument (docs/instrument.md): a script the proxy puts first into every HTML document when
the tester turns it on, which reports which script stores or reads what on the device, and which script starts
beacons, fetch and XHR requests. Everything here is pure: the proxy's response hook calls instrument_response,
the control host's report route calls reports.parse_batch and evidence.storage_records.
"""

from tredjepart.instrument.csp import Adjustment, adjust_headers, adjust_policy, control_origin
from tredjepart.instrument.evidence import PageRecord, StorageRecord, page_record, storage_record, storage_records
from tredjepart.instrument.inject import Injection, inject, script_block
from tredjepart.instrument.reports import Batch, ReportError, StorageEvent, parse_batch
from tredjepart.instrument.response import Instrumented, instrument_response
from tredjepart.instrument.script import REPORT_PATH, SCRIPT_PATH, report_url, script_text

__all__ = ["Adjustment", "Batch", "Injection", "Instrumented", "PageRecord", "REPORT_PATH", "ReportError",
           "SCRIPT_PATH", "StorageEvent", "StorageRecord", "adjust_headers", "adjust_policy", "control_origin",
           "inject", "instrument_response", "page_record", "parse_batch", "report_url", "script_block",
           "script_text", "storage_record", "storage_records"]
