"""One-line rewrites of report English for the sentence grammar (medqa.vocab.sentences), added for issue 20's
coverage of impressions written like findings (reports without a findings section).

SPELLING_IMP: (pattern, replacement) pairs applied after the other spelling rules, in order; each turns a sentence
into one the grammar already reads whole and never adds a word the report lacks.
NO_FINDING_LINES: whole lines that state no finding and are left out of the Chinese like a technique line.
QUALITY_IMP: (pattern, Chinese) for more whole sentences about the film's quality, which state no finding.
"""

SPELLING_IMP: tuple[tuple[str, str], ...] = (
    # The comparison field pasted before the first sentence without its full stop: the date is masked, the line
    # names no finding ('comparison xxxx, xxxx well expanded and clear lungs').
    (r"^comparison:? xxxx, xxxx (?!xxxx\b)(?=[a-z])", ""),
    # Two states of the aorta side by side name two findings ('tortuous dilated aorta': 主动脉迂曲，主动脉增宽).
    (r"\b(tortuous|dilated|ectatic) (?!\1)(tortuous|dilated|ectatic|calcified) (?=(?:thoracic )?aorta\b)",
     r"\1 and \2 "),
    # A word typed twice ('granulomas in in right upper lobe').
    (r"\bin in\b", "in"),  # no backreference: the rules are also joined into one pattern (sentences._SPELLING_ANY)
    # 'of' typed for 'or' inside a negated list ('no focal lung opacity, pleural effusion of pneumothorax').
    (r"^(no [a-z ,]+, (?:pleural )?effusion) of (?=pneumothorax$)", r"\1 or "),
    # 'negative acute cardiopulmonary abnormality' is 'no acute ...'; a 'low volume study' shows low lung volumes.
    (r"^negative (?=acute (?:cardiopulmonary )?(?:abnormality|disease|process|findings?)$)", "no "),
    (r"^low volume (?:study|exam|examination|film) (?=without )", "low lung volumes "),
    # A curve named by where its apex points: 'right apex curvature' is a dextrocurvature (右凸).
    (r"\bright apex curvature\b", "dextrocurvature"), (r"\bleft apex curvature\b", "levocurvature"),
    # Spellings of one word: 'hyper expanded', 'over expanded' (过度充气 either way).
    (r"\b(?:hyper|over)[- ]?(expanded|inflated|aerated)\b", r"hyper\1"),
    # An article before a whole sentence adds nothing ('a tortuous and dilated aorta'); 'a few' is a number.
    (r"^a (?!few\b|little\b|bit\b|lot\b|number\b|couple\b)(?=[a-z])", ""),
    # A negated list of three bare plural nouns whose first comma was left out: 'no nodules masses or infiltrates'.
    # ('suspicious', 'numerous' end in s too: a word ending in -ous or -ss is no plural noun).
    (r"^no ([a-z]{2,}(?<!ou)(?<!s)s) (?!or\b|and\b)([a-z]{2,}(?<!ou)(?<!s)s) (or|and) (?=[a-z]+s$)",
     r"no \1, \2 \3 "),
)

NO_FINDING_LINES: tuple[str, ...] = (
    r"^comparison:? xxxx(?:,? xxxx)*$",  # which earlier film was compared: its date is masked, no finding
    r"^(?:pa and lateral |frontal and lateral |portable )?chest radiograph$",  # the study's name, as a heading
)

QUALITY_IMP: tuple[tuple[str, str], ...] = (
    (r"^(?:this )?(?:study|exam|examination) is technically limited (?:secondary to|by|due to) (?:the )?"
     r"(?:patient's |patient )?body habitus$", "受患者体型影响，检查在技术上受限"),
    (r"^(?:this )?(?:study|exam|examination) is limited (?:secondary to|by|due to) (?:the )?patient's body habitus$",
     "受患者体型影响，检查受限"),
)
