"""The verifier every generator's pairs pass through before output (see medqa.data.verify.gate)."""

from medqa.data.verify.gate import REASONS, Verifier, check_pair
from medqa.data.verify.truth import report_truth

__all__ = ["REASONS", "Verifier", "check_pair", "report_truth"]
