"""Self-made reports for the tests of issue 20's blind-reading classes: a report, the verifier's verdict on one
answer, and every pair the rule generator writes for it."""

from __future__ import annotations

from medqa.data.qa import QAPair
from medqa.data.records import Report, SkipLog, XrayImage
from medqa.data.rule import RuleGenerator
from medqa.data.verify import Verifier, check_pair, report_truth
from medqa.vocab.mesh import parse_mesh


def make_report(findings: str, impression: str, mesh: str, technique: str = "") -> Report:
    """Report uid 1 with one frontal film."""
    return Report(uid="1", mesh=parse_mesh(mesh), findings=findings, impression=impression, technique=technique,
                  images=[XrayImage("1_IM-0001-1001.dcm.png", "Frontal")])


def verdict(findings: str, mesh: str, qtype: str, question: str, answer: str, impression: str = "",
            technique: str = "") -> str | None:
    """The verifier's drop reason for one answer (None when kept)."""
    return check_pair(QAPair(question, answer, qtype), report_truth(make_report(findings, impression, mesh,
                                                                                technique)))


def generated(findings: str, mesh: str, impression: str = "", verified: bool = False,
              technique: str = "") -> list[tuple[str, str]]:
    """(qtype, answer) of every pair the rule generator writes over four seeds (after the verifier if asked)."""
    report = make_report(findings, impression, mesh, technique)
    out = []
    for seed in range(4):
        qa = RuleGenerator(seed=seed).generate_all([report], SkipLog())
        if verified:
            qa = Verifier().filter([report], qa, SkipLog())
        out += [(p.qtype, p.answer) for p in qa.get("1", [])]
    return out


def closed(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The pairs that are not a rendered section (description, impression)."""
    return [(q, a) for q, a in pairs if q not in ("description", "impression")]
