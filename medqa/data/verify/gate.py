"""The gate between generation and output: every answer is read back and kept only if the report supports it.

Both generators pass through it (medqa.data.build). Each answer is read into findings with status, side and
severity by the verifier's own reader (medqa.data.verify.reader) and compared with what the report says
(medqa.data.verify.truth). A pair is dropped, and counted by its reason, when:

* negation scope: a negation reads over a finding the report states (未见气胸、左侧少量胸腔积液);
* finding not in report: the answer names a finding the report's text never speaks of;
* status: present where the report negates it, absent where it states it (未见结节 beside a calcified granuloma);
* certainty: a definite answer for a hedged finding, or a hedged one for a definite finding;
* side / severity: a side or severity the report does not give that finding;
* side conflict in report: a closed answer gives a side where the report's sections disagree on it;
* number of findings: one finding counted twice in a closed answer, or an abnormality list that leaves findings
  out without saying so (等 / 另见);
* critical finding missing: a normality, description or impression answer that loses a critical finding;
* normal despite finding: the film called normal while the report states a finding or surgery;
* unreadable answer: a closed answer whose finding the reader cannot name (so nothing about it could be checked);
* qualifier: a qualifier or extent word of the report's clause (calcified, old, subsegmental, extensive) that the
  answer's item does not carry (medqa.data.verify.scope, qualifiers.tsv);
* place: a location answer without the level or part the report names (fourth rib, T12, right upper quadrant), one
  whose place is not made of places.tsv's entries (脂肪组织后部), or
  an item naming a structure (肋, 椎) that the finding's own statement does not name;
* finding left out: an answer that reads as complete (an abnormality list without 等, an impression asked for the
  main findings that names none) while the report states more, devices and statements it cannot name included;
* projection: a view (后前位, 前后位, 床旁, 前弓位) the report does not name, or one its findings or impression
  contradict (后前位 of a 'PA and Lateral' order whose findings say 'This is an apical lordotic view').
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from medqa.data.qa import QAPair
from medqa.data.records import Report, SkipLog
from medqa.data.verify.descriptors import stated_once, unsupported
from medqa.data.verify.disagree import sections_disagree
from medqa.data.verify.places import unknown_place
from medqa.data.verify.reader import Reading, claims_normal, read_reply, says_more
from medqa.data.verify.scope import attached, explains, interprets, structure_missing, structures_named
from medqa.data.verify.truth import OPEN, Support, Truth, report_truth

REASONS = ("negation scope", "finding not in report", "status", "certainty", "side", "severity",
           "side conflict in report", "number of findings", "critical finding missing", "normal despite finding",
           "unreadable answer", "qualifier", "place", "finding left out", "projection")
_SECTIONED = {"description": "findings", "impression": "impression"}
_NAMES_A_FINDING = ("presence", "absence", "location", "severity", "normality")  # never checked blind
_ASKS_ONE = ("location", "severity")  # questions that take their finding as certain
_SEEN = frozenset({"opacity"})  # findings that are what the film shows: only their nature is ever uncertain
_COMPATIBLE = {"low-mid": {"low", "mid", "low-mid"}}
# The right lung has no lingula, the left no middle lobe.
_NO_SUCH_PLACE = re.compile(r"左(?:侧)?肺?中叶|右(?:侧)?肺?舌段")


def _status_reason(r: Reading, statuses: set[str], severities: set[str]) -> str | None:
    stated = statuses & {"present", "uncertain"}
    if r.status == "absent":
        if not stated:
            return None if "absent" in statuses else "finding not in report"
        narrowed = r.severity and r.severity not in severities or r.qualified
        if "absent" in statuses and narrowed and not r.run_on:
            return None  # 'no large effusion' beside a small one, 'no suspicious nodule' beside a granuloma
        return "negation scope" if r.run_on else "status"
    if r.status in statuses:
        return None
    if stated:
        return "certainty"
    return "status" if "absent" in statuses else "finding not in report"


def _words_reason(r: Reading, s: Support, qtype: str, question: str, answer: str = "") -> str | None:
    """The report's own words about this finding that the answer must carry (qualifiers, extent, place)."""
    rules = sorted(s.rules, key=lambda rule: (rule.kind != "qualifier", rule.kind, rule.name))  # one reason per run
    for rule in rules:
        carried = rule.zh.search(r.span) or rule.zh.search(question)
        if (rule.kind == "qualifier" or rule.kind == "extent" and qtype != "location") and not carried:
            return "qualifier"
    if qtype == "location":
        rules += _sentence_places(r.concept, s)
    for rule in rules:  # 'mild medial right atelectasis' is not 右肺轻度不张 in a description either
        if rule.kind == "place" and qtype in _SECTIONED and _PART_OF_LUNG.search(rule.name) and \
                not rule.zh.search(r.span):
            return "place"
    said = r.span + " " + answer  # a location answer may place its finding over two clauses (尖端位于上腔静脉)
    for rule in rules:
        if rule.kind == "place" and qtype == "location" and not (rule.zh.search(said) or rule.zh.search(question)):
            return "place"
    if structure_missing(r.span, s.sentences):
        return "place"
    if qtype == "location" and not _text_places(s):
        return "place"  # the text gives no place, only MeSH ('TIPS stent noted' indexed Stents/abdomen)
    if qtype == "location" and not r.side and s.sides - {"none"}:
        return "side"  # 'right infrahilar' answered 肺门
    return None


# The places of a node station, which a sentence read by keywords gives its finding (other place words of such a
# sentence may belong to another finding: 'collapse of the left upper lobe with left apical pleural thickening').
_STATION = re.compile(r"paraspinal|paravertebral|retrocrural|paratracheal")
# The part of a lung a described finding keeps in any answer (medial, lateral, a segment), not only in a location.
_PART_OF_LUNG = re.compile(r"medial|lateral|segment")
# Place words that stand in a clause of their own after the finding's ('..., left greater than right').
_BEYOND = re.compile(r"than")


# Any word of the English that places a finding: a location answer needs one in the finding's own statements.
_PLACE_WORDS = re.compile(
    r"\b(?:left|right|bilateral\w*|both|upper|lower|middle|mid\w*|lobes?|lingul\w*|ap(?:ex|ices)|(?:bi)?apic\w*|\w*bas(?:e|es|al|"
    r"ilar)|\w*hil(?:um|ar|a)|lateral\w*|medial\w*|retrocardiac|wall|abdom\w*|quadrant|gall ?bladder|cholecyst\w*|"
    r"liver|hepatic|neck|axill\w*|svc|cava|atri\w*|subclavian|jugular|spin\w*|thoracic|lumbar|cervical|vertebra\w*|[ctl]\d+|ribs?|"
    r"clavic\w*|shoulders?|humer\w*|scapul\w*|stern\w*|breasts?|mediastin\w*|paratracheal|aort\w*|pleura\w*|"
    r"costophrenic|vascul\w*|vessels?|\w*diaphragm\w*|heart|cardiac|zones?|lungs?|pulmonary|apical|anterior|posterior|"
    r"trachea\w*|carina|bronch\w*|soft tissues?|subcutaneous|arm|extremit\w*|chest)\b")


def _text_places(s: Support) -> bool:
    """Whether the report's text places this finding: a place word in a statement of it, or a side the text's
    sentences give it (a finding read by keywords alone has no clause of its own)."""
    return any(_PLACE_WORDS.search(t) for t in s.sentences | s.texts | s.loose) or any(
        sides - {"none"} for section, sides in s.section_sides.items() if section != "mesh")


def _sentence_places(concept: str, s: Support) -> list:
    """The places a location answer must carry beyond the finding's own clause: anywhere in a line's or device's
    sentences (a tip 'with tip in the SVC'), a node's station in a sentence read by keywords alone ('left
    paraspinal/retrocrural adenopathy'), a comparison in a clause of its own ('..., right greater than left')."""
    placed = {rule for t in s.sentences for rule in attached(t, ("place",))}
    stations = {rule for t in s.loose for rule in attached(t, ("place",)) if _STATION.search(rule.name)}
    beyond = placed if concept in _DEVICES else {rule for rule in placed if _BEYOND.search(rule.name)}
    return sorted(stations | beyond, key=lambda rule: rule.name)


# Lines, tubes and devices: where they lie (a tip in the SVC, clips at the gallbladder) may stand anywhere in the
# sentence that names them.
_DEVICES = frozenset({"catheter", "device", "surgical clips", "surgical instrument", "sutures", "stent",
                      "endotracheal tube", "tracheostomy", "foreign body", "breast implant"})


def check_reading(r: Reading, truth: Truth, closed: bool, qtype: str = "", question: str = "",
                  answer: str = "") -> str | None:
    """Why one reading of an answer is not what the report supports (None when it is)."""
    s = truth.concepts.get(r.concept)
    if s is None:
        return "finding not in report"
    if r.status == "uncertain" and r.concept in _SEEN:
        return "certainty"  # an opacity is seen: 'indeterminate', 'atelectasis versus airspace' hedge its nature
    statuses = s.statuses
    if r.severity == "borderline" and "borderline" in s.severities and "uncertain" in statuses:
        statuses = statuses | {"present"}  # 心脏临界增大 says the borderline that made 'borderline cardiomegaly' unsure
    why = _status_reason(r, statuses, s.severities)
    if why or r.status == "absent":
        return why
    if closed and sections_disagree(s.negated_plainly, s.stated_in):
        return "status"  # 'no pleural effusion' in the findings, 'XXXX bilateral pleural effusions' in the impression
    if OPEN in s.hedges and (closed and r.hedge or qtype in _ASKS_ONE) and "present" not in s.statuses:
        return "certainty"  # 'A versus B', 'possibly positional', 'developing': no answer names one of them alone
    if r.status == "uncertain" and r.hedge and s.hedges and "" not in s.hedges and r.hedge not in s.hedges:
        return "certainty"  # 'compatible with bronchiectasis' is 考虑, never 待排除; 'possible' never 考虑为
    if _NO_SUCH_PLACE.search(r.span):
        return "side"  # 左肺中叶: the left lung has no middle lobe (a side swapped inside the lobe's name)
    sides = (s.sides - {"none"}) or s.mesh_sides
    if r.side and r.side not in sides and not (r.side == "bilateral" and {"left", "right"} <= sides):
        return "side"
    if r.side in ("left", "right") and r.zones and not _placed(r, s.places):
        return "side"  # 左肺下叶 where the report's lesion of that kind is in the right lower lobe
    if closed and r.side and s.side_conflict():
        return "side conflict in report"
    severities = s.severities  # the text's own: MeSH alone never supplies a severity ('Dextroscoliosis.', mild)
    extents = [rule for rule in s.rules if rule.kind == "extent"]
    # 'some bronchiectasis' is 少许支气管扩张: the extent word's own Chinese is no severity the text lacks
    said = not severities and any(rule.zh.search(r.span) for rule in extents)
    if r.severity and r.severity not in severities and not severities & _COMPATIBLE.get(r.severity, set()) \
            and not said:
        extent = bool(extents)
        # 'extensive' graded 重度: the extent word is what is lost
        return "qualifier" if extent and not severities else "severity"
    if qtype == "location" and _also_another(r.concept, s, truth):
        return "place"  # 钙化见于血管 where calcified granulomas are calcifications too
    # a lobe, grade, shape, age or name only MeSH gives (descriptors.tsv)
    statements = s.sentences | s.texts | s.loose
    return _words_reason(r, s, qtype, question, answer) or unsupported(r.concept, r.span, statements)


def _also_another(concept: str, s: Support, truth: Truth) -> bool:
    """Whether the report states this finding on its own and also as part of another (calcified granulomas beside
    vascular calcification): one place answers only one of them."""
    def sections(texts: set[str]) -> set[str]:
        return {sec for t in texts for sec in s.text_sections.get(t, ()) if sec != "mesh"}

    return len(s.texts) >= 2 and any(  # both in one section: a restatement in the impression is no second finding
        other != concept and o.statuses & {"present", "uncertain"} and sections(o.texts & s.texts)
        & sections(s.texts - o.texts) for other, o in truth.concepts.items())


def _placed(r: Reading, places: set[tuple[str, str]]) -> bool:
    """Whether some statement of the report puts this finding on the reading's side, in one of its zones."""
    sided = {(side, zone) for side, zone in places if side != "none"} or places  # a side-less one gives no side
    if not sided:
        return True  # only keyword statements: no place to hold the answer to
    return any(side in (r.side, "bilateral", "none") and (zone == "any" or zone in r.zones) for side, zone in sided)


def _named(readings: Sequence[Reading]) -> set[str]:
    return {r.concept for r in readings if r.status != "absent"}


def _whole(pair: QAPair, readings: Sequence[Reading], truth: Truth) -> str | None:
    """The checks of an answer about the whole film or a whole section: nothing critical lost, nothing left out."""
    named = _named(readings)
    stated = [(r.concept, r.span) for r in readings if r.status != "absent"]
    uncovered = any(not any(st.covered_by(c, item) for c, item in stated) for st in truth.statements)
    if pair.qtype in ("normality", "llm") and claims_normal(pair.answer):
        if truth.abnormal - named or any(not group & named for group in truth.disease) or uncovered:
            return "normal despite finding"
        return None
    if pair.qtype == "llm":
        return None  # an open answer of the LLM's own: its findings are checked, not its completeness
    section = _SECTIONED.get(pair.qtype)
    if pair.qtype == "description" and not truth.has_findings:
        section = "impression"  # a report without findings: its description is the impression
    lost = {c for c, sections in truth.critical.items() if (section is None or section in sections)} - named
    if pair.qtype == "normality":
        left_out = any(not group & named for group in truth.disease) or lost
        if left_out and not says_more(pair.answer):
            return "number of findings"
        return "finding left out" if (uncovered or truth.abnormal - named) and not says_more(pair.answer) else None
    if lost:
        return "critical finding missing"
    if pair.qtype == "description" and section in truth.abnormal_in.get("device", ()) and "device" not in named:
        return "finding left out"  # a device of its section unsaid ('... views with overlying monitor leads show')
    if pair.qtype == "description" and truth.masked.get(section):
        return "finding left out"  # a masked sentence that says more than 'XXXX are normal' cannot be rendered
    if pair.qtype == "description" and any(not group & named and not _read_from(group, named)
                                           for group in truth.disease):
        return "finding left out"  # the findings read whole while the impression states one more (basilar opacity)
    asks_findings = pair.qtype == "impression" and re.search(r"发现|总结|异常", pair.question)
    return "finding left out" if asks_findings and not named and truth.statements else None


def _read_from(group: frozenset[str], named: set[str]) -> bool:
    """Whether a diagnosis (COPD, pneumonia) is read from a finding the description names (interprets.tsv)."""
    table = interprets()
    return all(concept in table for concept in group) and any(table[c] & named for c in group)


_MANY = re.compile(r"\b(?:bilateral\w*|both|multiple|several|numerous|\w+(?:ies|ses|ules|ions|ates|omas|ties))\b")
# Nodes at two stations of one sentence ('calcified right paratracheal and right hilar lymph nodes') are two findings.
_STATIONS = re.compile(r"\band (?:\w+ ){1,2}lymph\b")


def _several(s: Support) -> bool:
    """Whether the report's text states this finding more than once: at two sided places by two statements, or by a
    plural ('nodules', 'bilateral opacities'); one opacity 'in the right lower and middle lobes' is one."""
    return len(s.groups) >= 2 or any(_MANY.search(t) for t in s.texts) or any(_STATIONS.search(t) for t in s.sentences)


def _counted_twice(readings: Sequence[Reading], truth: Truth) -> bool:
    """One lesion named twice in one answer: on two sides the report's sections disagree on, twice where the report
    states it once (a large opacity in the right lower and middle lobes), at one place under two names (fracture
    and deformity of the right humerus), or beside the diagnosis that explains it (explains.tsv)."""
    present = [r for r in readings if r.status != "absent"]
    for i, a in enumerate(present):
        for b in present[i + 1:]:
            if a.concept == b.concept:
                s = truth.concepts[a.concept]
                if s.side_conflict() and a.side and b.side or not _several(s) or \
                        stated_once(s.sides, s.groups, s.sections, s.texts | s.loose):
                    return True
            elif _place(a) and _place(a) == _place(b) or frozenset((a.concept, b.concept)) in explains():
                return True
    return False


def _place(r: Reading) -> tuple | None:
    """Where the item puts its finding: side, lung zones and the structures it names (None: nowhere)."""
    structures = structures_named(r.span)
    return (r.side, r.zones, structures) if r.zones or structures else None


# 前部 / 后部 belongs to a lobe, zone, vertebra or bone (右肺下叶后部, 胸椎前部); anywhere else it names no place.
_LOOSE_PART = re.compile(r"(?<![叶野椎骨肋])[前后]部")
# What the report says of the film it comes with; a sentence that asks for a view or names a prior one does not.
_ASKS = re.compile(r"\b(?:recommend\w*|suggest\w*|consider\w*|could|would|should|may|might|if|prior|previous|"
                   r"comparison|compared)\b")
_SAYS_VIEW = {
    "pa": re.compile(r"\bpa\b(?! catheter| line| pressure)|\bposter[o-]?anterior\b"),
    "ap": re.compile(r"\bap\b(?! window| diameter| dimension| xxxx)|\bantero[- ]?posterior\b|\bsupine\b|\bportable\b"),
    "portable": re.compile(r"\bportable\b|\bbedside\b"),
    "lordotic": re.compile(r"\blordotic\b"),
}
# Each Chinese view name, the English the report must hold for it, and the words it is wrong beside.
_ANSWER_VIEW = (("床旁", "portable", ()), ("前弓位", "lordotic", ()), ("后前位", "pa", ("ap", "lordotic")),
                ("前后位", "ap", ("pa",)))


def _views_said(text: str, asks: bool = True) -> set[str]:
    said = " ".join(s for s in re.split(r"(?<=[.;])\s+", text.lower()) if not (asks and _ASKS.search(s)))
    return {view for view, pattern in _SAYS_VIEW.items() if pattern.search(said)}


def _projection(pair: QAPair, text: str, body: str | None = None) -> str | None:
    """The projection answer names only a view the report names (its sentences outrank its exam title: 后前位 of a
    'PA and Lateral' order is wrong where the findings say 'This is an apical lordotic view')."""
    title = text[:-len(body)] if body and text.endswith(body) else text
    views = (_views_said(body) if body is not None else set()) or _views_said(title, asks=False)
    for chinese, needs, clashes in _ANSWER_VIEW:
        if chinese in pair.answer and (needs not in views or views & set(clashes)):
            return "projection"
    return None


def check_pair(pair: QAPair, truth: Truth, text: str = "", body: str | None = None) -> str | None:
    """Why the pair must not be kept (one of REASONS), or None; `text` is the report's English with its exam title,
    `body` its findings and impression alone (for projection)."""
    if pair.qtype == "projection":
        return _projection(pair, text, body)
    if _LOOSE_PART.search(pair.answer):
        return "place"  # 后部膈肌低平, 双侧后部胸腔积液: a part with no structure of its own
    if pair.qtype == "location" and unknown_place(pair.answer):
        return "place"  # a composed place phrase (脂肪组织后部, 双侧后部) is not a radiologist's term
    readings = read_reply(pair.question, pair.answer)
    closed = pair.qtype not in _SECTIONED
    if not readings and pair.qtype in _NAMES_A_FINDING and not claims_normal(pair.answer):
        return "unreadable answer"
    for r in readings:
        why = check_reading(r, truth, closed, pair.qtype, pair.question, pair.answer)
        if why:
            return why
    if closed and _counted_twice(readings, truth):
        return "number of findings"
    if pair.qtype in ("normality", "description", "impression", "llm"):
        return _whole(pair, readings, truth)
    return None


class Verifier:
    """Filters every generator's pairs; counts what it checked, kept and dropped (by reason) for the card."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.checked: Counter[str] = Counter()
        self.kept: Counter[str] = Counter()

    def filter(self, reports: Sequence[Report], qa: dict[str, list[QAPair]], skips: SkipLog) -> dict:
        """The pairs each report keeps; a report with none left goes to `skips`."""
        out: dict[str, list[QAPair]] = {}
        for report in reports:
            pairs = qa.get(report.uid)
            if not pairs:
                continue
            try:
                kept = self._keep(report, pairs)
            except Exception as exc:  # noqa: BLE001 - one report the verifier cannot read never stops the build
                skips.skip("verifier failed", report.source or report.uid, f"{type(exc).__name__}: {exc}")
                continue
            if kept:
                out[report.uid] = kept
            else:
                skips.skip("nothing left after the verifier", report.source or report.uid,
                           f"{len(pairs)} pair(s) dropped")
        return out

    def _keep(self, report: Report, pairs: list[QAPair]) -> list[QAPair]:
        truth = report_truth(report)
        text = " ".join((report.technique, report.text))
        verdicts = [(pair, check_pair(pair, truth, text)) for pair in pairs]  # all read before any is counted
        return [pair for pair, why in verdicts if self._count(pair, why)]

    def keep_projection(self, report: Report, pair: QAPair) -> bool:
        """Check (and count) the projection turn build.py adds to each image's conversation."""
        return self._count(pair, _projection(pair, " ".join((report.technique, report.text)), report.text))

    def _count(self, pair: QAPair, why: str | None) -> bool:
        """Count one verdict; whether the pair is kept."""
        self.checked[pair.qtype] += 1
        if why:
            self.counts[why] += 1
        else:
            self.kept[pair.qtype] += 1
        return not why

    def card_info(self) -> dict:
        """Pairs checked and kept, and the dropped ones per reason (every reason shown, even at 0)."""
        return {"pairs checked": sum(self.checked.values()), "pairs kept": sum(self.kept.values()),
                "dropped by reason": {reason: self.counts[reason] for reason in REASONS},
                "kept per question type": {q: f"{self.kept[q]} / {n}" for q, n in sorted(self.checked.items())}}
