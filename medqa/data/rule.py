"""The deterministic offline Q&A generator: MeSH terms + report text -> Chinese question/answer pairs.

It asks what a clinician asks of a chest film: is it normal, is finding X present, where is
it, how severe, which findings are absent, what is the overall impression. Every answer is
derived from the report:

* "present" answers come only from the report's MeSH major terms (curated by NLM indexers);
* "absent" answers come only from findings the report text explicitly negates and that are
  not among its MeSH terms, so a negated finding is never answered as present.

A term the lexicon lacks keeps its English word inside the Chinese sentence, is counted, and
is listed in the dataset card; it never stops the build.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence

from medqa.data.qa import QAPair
from medqa.data.records import Report, SkipLog
from medqa.vocab.findings import extract_findings
from medqa.vocab.lexicon import TermZh, describe_term
from medqa.vocab.mesh import DEID_RE, MeshTerm

NORMALITY_QUESTIONS = ("这张胸片是否正常？", "这张胸片有异常吗？", "这张胸部X光片看起来正常吗？")
PRESENCE_QUESTIONS = ("片中有没有{x}？", "这张胸片可以看到{x}吗？", "是否存在{x}？")
LOCATION_QUESTIONS = ("{x}位于什么部位？", "{x}在哪个位置？")
SEVERITY_QUESTIONS = ("{x}的程度如何？", "{x}严重吗？")
IMPRESSION_QUESTIONS = ("请总结这张胸片的主要影像表现。", "这张胸片的总体印象是什么？")
PROJECTION_QUESTIONS = ("这张胸片是什么投照体位？", "这是正位片还是侧位片？")
SIZE_WORDS = {"小": "较小", "大": "较大"}
PROJECTION_ANSWERS = {"Frontal": "这是正位（后前位）胸片。", "Lateral": "这是侧位胸片。"}


class RuleGenerator:
    """Offline, deterministic generator of Chinese Q&A from MeSH terms and negated findings."""

    name = "rule"

    def __init__(self, seed: int = 0, max_presence: int = 3, max_absence: int = 2) -> None:
        self.seed = seed
        self.max_presence = max_presence
        self.max_absence = max_absence
        self.unknown_terms: Counter[str] = Counter()
        self.reports_with_unknown = 0

    def generate_all(self, reports: Sequence[Report], skips: SkipLog) -> dict[str, list[QAPair]]:
        """Q&A pairs for every report with at least one usable term or negated finding."""
        out: dict[str, list[QAPair]] = {}
        for report in reports:
            pairs = self.generate(report)
            if pairs:
                out[report.uid] = pairs
            else:
                skips.skip("no usable MeSH term", report.source or report.uid, "nothing to ask")
        return out

    def generate(self, report: Report) -> list[QAPair]:
        """The Q&A pairs for one report, in a stable order (varied wording, seeded by uid)."""
        rng = random.Random(f"{self.seed}:{report.uid}")
        described = self._describe(report.mesh)
        findings = [d for d in described if d.is_abnormal]
        pairs: list[QAPair] = []
        if findings or report.is_normal:
            pairs.append(_normality(findings, rng))
        for term in findings[: self.max_presence]:
            pairs.extend(_about_present(term, rng))
        pairs.extend(self._absences(report, findings, rng))
        if findings or report.is_normal:
            pairs.append(_impression(findings, rng))
        return [p for p in pairs if not DEID_RE.search(p.question + p.answer)]

    def card_info(self) -> dict:
        return {
            "generator": self.name,
            "seed": self.seed,
            "reports_with_untranslated_terms": self.reports_with_unknown,
            "untranslated_terms": dict(self.unknown_terms.most_common()),
        }

    def _describe(self, mesh: list[MeshTerm]) -> list[TermZh]:
        described, names, unknown = [], set(), False
        for term in mesh:
            zh = describe_term(term)
            for word in zh.unknown:
                self.unknown_terms[word] += 1
                unknown = True
            if zh.phrase not in names:  # "Opacity/lung/base" twice in one report asks once
                names.add(zh.phrase)
                described.append(zh)
        self.reports_with_unknown += unknown
        return described

    def _absences(self, report: Report, present: list[TermZh], rng: random.Random) -> list[QAPair]:
        """"No" answers for findings the report text negates and its MeSH terms do not list."""
        stated = extract_findings(report.text)
        present_keys = {k for t in present for k, v in extract_findings(t.phrase).items() if v}
        present_keys |= {t.head.lower() for t in report.mesh}
        negated = sorted(k for k, v in stated.items() if v is False and k not in present_keys and k != "normal")
        rng.shuffle(negated)
        pairs = []
        for key in negated:
            name = describe_term(MeshTerm(key)).name
            answer = f"没有。报告未见{name}。"
            # Only ask what the finding metric reads back as this finding, absent.
            if extract_findings(answer).get(key) is not False:
                continue
            pairs.append(QAPair(rng.choice(PRESENCE_QUESTIONS).format(x=name), answer, "absence"))
            if len(pairs) == self.max_absence:
                break
        return pairs


def projection_pair(projection: str, rng: random.Random) -> QAPair | None:
    """The image-level question every generator shares: which projection is this film?"""
    answer = PROJECTION_ANSWERS.get(projection)
    return QAPair(rng.choice(PROJECTION_QUESTIONS), answer, "projection") if answer else None


def _normality(findings: list[TermZh], rng: random.Random) -> QAPair:
    question = rng.choice(NORMALITY_QUESTIONS)
    if not findings:
        return QAPair(question, "正常。这张胸片未见明显异常。", "normality")
    listed = "；".join(t.phrase for t in findings)
    return QAPair(question, f"不正常。主要发现：{listed}。", "normality")


def _about_present(term: TermZh, rng: random.Random) -> list[QAPair]:
    pairs = [QAPair(rng.choice(PRESENCE_QUESTIONS).format(x=term.name), f"有。可见{term.phrase}。", "presence")]
    if term.location:
        pairs.append(QAPair(rng.choice(LOCATION_QUESTIONS).format(x=term.name),
                            f"{term.name}位于{term.location}。", "location"))
    if term.severity:
        pairs.append(QAPair(rng.choice(SEVERITY_QUESTIONS).format(x=term.name), _severity_answer(term), "severity"))
    return pairs


def _severity_answer(term: TermZh) -> str:
    """'肺不张为轻度。'; sizes read as comparisons ('结节较小。'), 'borderline' as a degree."""
    size = SIZE_WORDS.get(term.severity)
    if size:
        return f"{term.name}{size}。"
    suffix = "程度" if term.severity == "临界" else ""
    return f"{term.name}为{term.severity}{suffix}。"


def _impression(findings: list[TermZh], rng: random.Random) -> QAPair:
    question = rng.choice(IMPRESSION_QUESTIONS)
    if not findings:
        return QAPair(question, "心肺未见明显异常，胸片正常。", "impression")
    return QAPair(question, "主要影像表现：" + "；".join(t.phrase for t in findings) + "。", "impression")
