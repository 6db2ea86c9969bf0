"""Report records shared by every Open-i reader, and the skip log that lets one bad row not stop a build."""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field

from medqa.core.redact import redact
from medqa.core.text import clean_text as clean_invisible
from medqa.vocab.mesh import MeshTerm

log = logging.getLogger("medqa.data")





@dataclass(frozen=True)
class XrayImage:
    """One image of a report: its file name (Kaggle form '<uid>_IM-....dcm.png') and its projection."""

    filename: str
    projection: str  # "Frontal" or "Lateral" (or "" when the source does not say)


@dataclass
class Report:
    """One Open-i radiology report, as read from either the Kaggle CSV pair or the NLM XML."""

    uid: str
    mesh: list[MeshTerm] = field(default_factory=list)
    indication: str = ""
    comparison: str = ""
    findings: str = ""
    impression: str = ""
    images: list[XrayImage] = field(default_factory=list)
    source: str = ""  # "file:row" it came from, for messages
    technique: str = ""  # how the films were taken, the CSV's "image" column ("Xray Chest PA and Lateral")

    @property
    def is_normal(self) -> bool:
        return any(t.is_normal for t in self.mesh) and all(
            t.is_normal or t.head == "No Indexing" for t in self.mesh
        )

    @property
    def text(self) -> str:
        """Findings and impression joined: the text a finding must be checked against."""
        return " ".join(s for s in (self.findings, self.impression) if s)


def clean_text(value: str | None) -> str:
    """Collapse whitespace, drop invisible characters; map None and the CSV's 'nan' placeholders to ''."""
    if value is None:
        return ""
    text = clean_invisible(str(value))
    return "" if text.lower() in {"nan", "none", "none."} else text




class SkipLog:
    """Counts and explains every skipped record, so a build finishes and says what it left out."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.messages: list[str] = []

    # Thousands of missing images must not flood the terminal: the first few of each reason are
    # logged, and every message is kept (the build writes them all to skipped.txt).
    LOGGED_PER_REASON = 10

    def skip(self, reason: str, where: str, detail: str = "") -> None:
        """Record one skipped item: `reason` is the counter key, `where` names file and row."""
        self.counts[reason] += 1
        # Details can quote an API error body; whatever looks like a credential is masked here too.
        msg = redact(f"{where}: {reason}" + (f" ({detail})" if detail else ""))
        self.messages.append(msg)
        if self.counts[reason] <= self.LOGGED_PER_REASON:
            log.warning("skipped %s", msg)
        elif self.counts[reason] == self.LOGGED_PER_REASON + 1:
            log.warning("more '%s' skips are not shown here; all are listed in skipped.txt", reason)

    def summary(self) -> str:
        if not self.counts:
            return "nothing skipped"
        return ", ".join(f"{n} {reason}" for reason, n in sorted(self.counts.items()))
