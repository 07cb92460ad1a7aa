"""receipt-lint: presubmit validation for Kubernetes enhancement receipts (KEP-2140)."""

__version__ = "0.1.0"
