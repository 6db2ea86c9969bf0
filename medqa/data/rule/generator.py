"""The deterministic offline Q&A generator: a report's MeSH terms and text -> Chinese question/answer turns.

Per report it asks what a clinician asks of a chest film (is it normal, is finding X there, where, how severe,
describe the film, what is the impression) and answers only what both the MeSH terms and the text support
(medqa.data.rule.crosscheck). Hedged findings get uncertain answers, negations keep their qualifiers, the
description and impression are the report's own sections rendered by the sentence grammar
(medqa.vocab.sentences) when every sentence renders; a report without a findings section gets its impression as the
description (and no separate impression answer). Every skipped or uncertain finding is counted for the card.

"Absent" questions are balanced: a finding is asked about as absent about as often as it is present in the data,
so its name in the question does not give the answer away. The rate of each finding is a fixed table
(medqa.data.rule.absent), and every random choice of a report comes from a generator seeded by --seed and that
report's uid: a report's pairs depend only on that report and the seed, never on the other reports read with it.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from medqa.data.qa import QAPair
from medqa.data.records import Report, SkipLog
from medqa.data.rule.absent import draw, load_rates, report_rng
from medqa.data.rule.crosscheck import Checked, check
from medqa.data.rule.hedges import NOT_ASKED
from medqa.data.rule.phrasing import Wording
from medqa.data.rule.turns import abnormal_pair, absent_pair, finding_pairs, normal_pair, text_pair
from medqa.vocab.clauses import Fact
from medqa.vocab.mesh import DEID_RE
from medqa.vocab.sentences import Sentence, read_section, render_section


@dataclass
class _Plan:
    findings: list[Sentence]
    impression: list[Sentence]
    checked: Checked


class RuleGenerator:
    """Offline, deterministic generator of faithful Chinese Q&A from Open-i reports."""

    name = "rule"

    def __init__(self, seed: int = 0, max_presence: int = 3, max_absence: int = 2, vary: bool = True,
                 absent_rates: dict[str, float] | None = None) -> None:
        self.seed = seed
        self.max_presence = max_presence
        self.max_absence = max_absence
        self.vary = vary  # False: always the first (canonical) phrasing
        self.absent_rates = load_rates() if absent_rates is None else absent_rates
        self.counts: Counter[str] = Counter()

    def generate_all(self, reports: Sequence[Report], skips: SkipLog) -> dict[str, list[QAPair]]:
        """Q&A pairs for every report with something to ask; each report's depend on it and the seed only."""
        out: dict[str, list[QAPair]] = {}
        for report in reports:
            plan = self._plan(report)
            pairs = self._pairs(report, plan, self._absent(report.uid, plan))
            if pairs:
                out[report.uid] = pairs
            else:
                skips.skip("nothing to ask", report.source or report.uid, "no finding both MeSH and text support")
        return out

    def generate(self, report: Report) -> list[QAPair]:
        """The pairs of one report, every negated finding it can ask about asked (no balance)."""
        plan = self._plan(report)
        return self._pairs(report, plan, plan.checked.absent[: self.max_absence])

    def tally(self, reports: Sequence[Report]) -> tuple[Counter, Counter]:
        """(confirmed, negated) counts per finding key over `reports`: what the absent rates are measured on."""
        confirmed: Counter[str] = Counter()
        negated: Counter[str] = Counter()
        for report in reports:
            checked = self._plan(report).checked
            confirmed.update({f.key for f in checked.findings})
            negated.update({f.key for f in checked.absent})
        return confirmed, negated

    def card_info(self) -> dict:
        c = self.counts
        for always in ("de-identified MeSH heads", "MeSH terms with untranslated words", "uncertain findings",
                       "reports where MeSH and text disagree"):
            c[always] += 0  # shown in the card even when none
        info = {"generator": self.name, "seed": self.seed, "phrasing": "varied" if self.vary else "canonical"}
        info["findings sentences rendered"] = _share(c["findings sentences rendered"], c["findings sentences"])
        info["impression sentences rendered"] = _share(c["impression sentences rendered"], c["impression sentences"])
        info["reports with a full description"] = _share(c["reports with a full description"],
                                                         c["reports with findings"])
        info["reports with an impression answer"] = _share(c["reports with an impression answer"],
                                                           c["reports with an impression"])
        for line in (*_MASKED_LEFT_OUT.values(), _FROM_IMPRESSION):
            info[line] = c[line]
        info["skipped or uncertain findings"] = {k: v for k, v in sorted(c.items()) if k not in _SECTION_COUNTS}
        return info

    def _plan(self, report: Report) -> _Plan:
        findings, impression = read_section(report.findings), read_section(report.impression)
        if not findings and not impression:
            self.counts["reports without findings or impression (nothing asked)"] += 1
            return _Plan([], [], Checked())
        checked = check(report.mesh, findings, impression, report.text)
        for name, sentences in (("findings", findings), ("impression", impression)):
            self.counts[f"{name} sentences"] += len(sentences)
            self.counts[f"{name} sentences rendered"] += sum(s.rendered for s in sentences)
        return _Plan(findings, impression, checked)

    def _absent(self, uid: str, plan: _Plan) -> list[Fact]:
        """The negated findings this report is asked about: each kept with its finding's fixed rate."""
        kept = [f for f in plan.checked.absent if draw(self.seed, uid, f.key) < self.absent_rates.get(f.key, 0.0)]
        self.counts["absent findings not asked (balance)"] += len(plan.checked.absent) - len(kept[: self.max_absence])
        return kept[: self.max_absence]

    def _pairs(self, report: Report, plan: _Plan, absent: list[Fact]) -> list[QAPair]:
        if not plan.findings and not plan.impression:
            return []  # MeSH alone, with no report text to check it against, is not asked about
        rng = report_rng(self.seed, report.uid)
        w = Wording(rng, self.vary)
        checked = plan.checked
        self.counts.update(checked.counts)
        if any(checked.counts[k] for k in _CONFLICTS) or report.is_normal and checked.text_abnormal:
            self.counts["reports where MeSH and text disagree"] += 1
        pairs = [p for p in [self._normality(report, checked, w)] if p]
        blocks = [finding_pairs(f, w) for f in self._asked(checked, rng)] + [[absent_pair(f, w)] for f in absent]
        if self.vary:
            rng.shuffle(blocks)  # the position of a question must not give its answer away
        pairs += [p for block in blocks for p in block]
        pairs += self._sections(plan, w)
        return _unique(pairs, self.counts)

    def _asked(self, checked: Checked, rng: random.Random) -> list:
        disease = [f for f in checked.findings if not f.benign]
        benign = [f for f in checked.findings if f.benign]
        if self.vary:
            rng.shuffle(disease)
        return (disease + benign)[: self.max_presence]

    def _normality(self, report: Report, checked: Checked, w: Wording) -> QAPair | None:
        usable = [t for t in report.mesh if not DEID_RE.search(t.head) and t.head.lower() != "no indexing"]
        if not usable:
            return None
        if report.is_normal:
            if checked.text_abnormal:
                self.counts["normality not asked (MeSH normal, text abnormal)"] += 1
                return None
            return normal_pair(w)
        disease = [f for f in checked.findings if not f.benign]
        benign = [f for f in checked.findings if f.benign]
        if not disease and benign and checked.no_acute_scope == "cardiopulmonary" and not checked.text_abnormal \
                and not checked.counts[NOT_ASKED]:  # a finding left unasked for its hedge may be disease
            return normal_pair(w, benign)
        pair = abnormal_pair(checked, w) if disease else None
        if pair is None:
            self.counts["normality not asked (no certain finding)"] += 1
        return pair

    def _sections(self, plan: _Plan, w: Wording) -> list[QAPair]:
        if not plan.findings and plan.impression:
            # No findings section: the impression is all the report says of the film, so it is the description
            # (asked once: the same text under an impression question would repeat the answer).
            return self._section("description", "impression", plan.impression, w, _FROM_IMPRESSION)
        pairs = [self._section("description", "findings", plan.findings, w, "reports with a full description"),
                 self._section("impression", "impression", plan.impression, w, "reports with an impression answer")]
        return [p for group in pairs for p in group]

    def _section(self, qtype: str, section: str, sentences: list[Sentence], w: Wording, done: str) -> list[QAPair]:
        """The section rendered whole as a `qtype` answer (counted under `done`), or none (counted) where a
        sentence does not render."""
        if not sentences:
            return []
        self.counts[f"reports with {'findings' if section == 'findings' else 'an impression'}"] += 1
        zh = render_section(sentences)
        if not zh:
            self.counts[f"{section} sections not rendered whole"] += 1
            return []
        self.counts[done] += 1
        if any(s.masked for s in sentences):  # 'XXXX are normal' left out: shown in the card
            self.counts[_MASKED_LEFT_OUT[qtype]] += 1
        return [text_pair(qtype, zh, w)]


# Answers that leave out a normal statement about de-identified subjects ('XXXX are normal') or a masked comparison
# ('The heart and lungs have XXXX XXXX in the interval'; medqa.vocab.masked).
_MASKED_LEFT_OUT = {"description": "descriptions leaving out a masked (XXXX) normal or comparison statement",
                    "impression": "impression answers leaving out a masked (XXXX) normal or comparison statement"}
_FROM_IMPRESSION = "descriptions read from the impression (no findings section)"
_CONFLICTS = ("MeSH findings the text negates", "MeSH findings whose side the text contradicts",
              "text findings not in MeSH", "MeSH severities the text contradicts")
_SECTION_COUNTS = frozenset({
    "findings sentences", "findings sentences rendered", "impression sentences", "impression sentences rendered",
    "reports with a full description", "reports with findings", "reports with an impression answer",
    "reports with an impression", _FROM_IMPRESSION, *_MASKED_LEFT_OUT.values()})


def _share(n: int, total: int) -> str:
    return f"{n} / {total} ({100 * n / total:.1f}%)" if total else "0 / 0"


def _unique(pairs: list[QAPair], counts: Counter) -> list[QAPair]:
    """The same question never gets two answers in one conversation: later repeats are dropped."""
    seen: set[str] = set()
    out = []
    for p in pairs:
        if p.question in seen:
            counts["repeated questions dropped"] += 1
            continue
        seen.add(p.question)
        out.append(p)
    return out
