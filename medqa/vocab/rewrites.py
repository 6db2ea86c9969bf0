"""More one-line rewrites of report English for the sentence grammar (medqa.vocab.sentences), added for issue 20's
coverage: spellings and slips that name nothing new, and lines about how the film was taken.

SPELLING_MORE: (pattern, replacement) pairs applied after the grammar's own spelling rules, in order; each turns a
sentence into one the grammar already reads whole (it never adds a word the report lacks).
QUALITY_LINES: (pattern, Chinese) for whole sentences about the film's quality, which state no finding.
"""

SPELLING_MORE: tuple[tuple[str, str], ...] = (
    (r"\bin comparison (?:to|with)\b", "compared to"),  # before the comparisons below read it
    (r"\b(dextro|levo)[- ]?(?:convex )?(?:scoliotic )?curvature\b", r"\1curvature"),  # one word: dextrocurvature
    (r"^stable, (?=(?:mild|moderate|severe) )", "stable "),
    (r", (?=measuring (?:approximately |about )?\d)", " "),  # 'mass lesion, measuring 5.8 cm': the size of it
    (r",? (?:greater|worse) on the left$", ", left greater than right"),  # '..., greater on the left': 左侧为著
    (r",? (?:greater|worse) on the right$", ", right greater than left"),
    # coordinated adjectives of one noun: 'no lytic or destructive lesion' is no lytic lesion or destructive lesion
    (r"\b(acute|lytic) or destructive ((?:bony |bone |osseous )?(?:lesions?|abnormalit(?:y|ies)))\b",
     r"\1 \2 or destructive \2"),
    # 'no large pleural effusion no pneumothorax': two negations whose comma was left out
    (r"^(no (?:large |small |significant )?[a-z]+(?: [a-z]+)?) (?=no [a-z]+$)", r"\1, "),
    (r"^surgical clips in the (left|right) axilla$", r"\1 axillary surgical clips"),
    (r"^no (?:interval )?change in (?:the )?([a-z ]+)$", r"\1 is unchanged"),
    (r"^stable appearance of (?:the |an? )?", "stable "), (r"\bpulmonary vascular is\b", "pulmonary vascularity is"),
    (r"^there is (?=normal distribution of )", ""), (r"^stable normal ([a-z ]+)$", r"normal and stable \1"),
    (r"\bmidlung zone\b", "midlung"),
    (r"\bis a within\b", "is within"), (r"^there are are\b", "there are"),  # typing slips
    (r"\b(changes|dextrocurvature|levocurvature) the spine$", r"\1 of the spine"),
    (r"^((?:the )?heart size is) (?:on|at) the (?=upper limits? of normal$)", r"\1 "),
    (r"^((?:the )?lungs are (?:hyperexpanded|hyperinflated)), with (?=flatten)", r"\1 with "),
    (r"^patient (?=status post )", ""),
    (r"^(?:there are )?changes of (?:prior )?(?=(?:sternotomy and )?cabg$)", "status post "),
    (r"\bno evidence for (?=(?:pleural effusion|effusion|pneumothorax)\b)", "no evidence of "),
    (r"\bno (definite )?pleural line of (?=pneumothorax)", r"no \1pleural line to suggest "),
    (r"\bupper limits? normal$", "upper limits of normal"), (r"\bnormal appearance the\b", "normal appearance of the"),
    (r"^a (tortuous|calcified), (?!\1)(calcified|tortuous) (thoracic )?aorta is present$", r"\1 and \2 \3aorta"),
    (r"^there are scoliotic changes of ", "scoliosis of "), (r"\bno definite evidence of (?=acute )", "no definite "),
    (r"\bdegeneration of (?=the (?:thoracic |lumbar |cervical )?spine\b)", "degenerative changes of "),
    (r"^((?!no |there )[a-z ,]+?) (?:is|are) (?:noted|appreciated)$", r"\1"),
    (r"\b(?:is|are) (?=(?:consistent|compatible) with\b)", ""),
    (r"\bemphysematous lung changes\b", "emphysematous changes"),
    (r"\bhave a normal appearance$", "are normal in appearance"), (r"\bhilar regions\b", "hilar region"),
    (r"\bcalcified (mediastinal|hilar) and ((?:right |left |bilateral )?(?!\1)(?:mediastinal|hilar)) lymph nodes\b",
     r"calcified \1 lymph nodes and calcified \2 lymph nodes"),  # each station its own node
    (r"\bcalcified ((?:right |left )?(?:hilar|paratracheal|suprahilar|infrahilar)) and (infracarinal|subcarinal) "
     r"lymph nodes\b", r"calcified \1 lymph nodes and calcified \2 lymph nodes"),
    (r"\belevation (?=(?:right|left) hemidiaphragm\b)", "elevation of the "),
    (r"\bdegenerative changes? (?=(?:mid|lower|upper) thoracic spine$)", "degenerative changes of the "),
    (r"\bdegenerative changes to the\b", "degenerative changes of the"),
    (r"^((?:the )?(?:osseous|bony|skeletal) structures are intact), with ", r"\1 with "),
    (r"\b(right|left) sided\b", r"\1-sided"), (r"\brightward curvature\b", "dextrocurvature"),
    (r"\bleftward curvature\b", "levocurvature"), (r"\b(granulomas?) (?=(?:right|left) midlung$)", r"\1 in the "),
    (r"^(?:the )?patient is (?=status post )", ""),
    (r"^(?:the )?patient is post (?=\w)", "status post "), (r"\bdegenerate change", "degenerative change"),
    (r"^(?:there are )?surgical clips in the (left|right) axilla region$", r"\1 axillary surgical clips"),
    (r"\b(left|right) hilar node$", r"\1 hilar lymph node"),
    (r"^(multiple calcified granulomas) identified bilaterally$", r"\1 bilaterally"),
    (r"\b(atelectasis) the (?=(?:left|right) lung base$)", r"\1 in the "), (r"\bperitracheal\b", "paratracheal"),
    (r"^the heart is borderline size$", "the heart is borderline in size"),
    (r"\b(unchanged|stable) (?:from|since|compared to|compared with) (?:the )?(?:prior|previous)(?: exams?| "
     r"examinations?| studies| study| radiographs?)?$", r"\1 compared to prior examination"),
    (r"^(the cardiomediastinal silhouette is normal), (?=unchanged compared to )", r"\1 and "),
    (r"\btortuosity to the\b", "tortuosity of the"),
    (r"\b(exaggerated|accentuated) kyphosis of the thoracic spine\b", r"\1 thoracic kyphosis"),
    (r"^(calcified granulomas? )(?:is|are) again (in the [a-z ]+)$", r"\1\2 is again seen"),
    (r"^((?:calcified )?granulomas? (?:within|in) the [a-z ]+?) and (?=(?:stable|unchanged) compared to prior "
     r"examination$)", r"\1, "),
    (r"\bright upper quadrant of the abdomen\b", "right upper quadrant"),
    (r"\bhas a normal appearance$", "is normal in appearance"),
    (r"\bis is\b", "is"), (r"\bare are\b", "are"), (r"\bthe the\b", "the"), (r"\bof of\b", "of"),  # typed twice
    (r"^((?:the )?lungs are (?:mildly )?(?:hyperexpanded|hyperinflated)) bilaterally\b", r"\1"),  # 双肺 says both
    (r"^(there is no pleural line to suggest pneumothorax) or (?=costophrenic (?:angles?|xxxx) blunting to suggest )",
     r"\1, no "),
)

# How the film was taken: said as the report says it, no finding.
QUALITY_LINES: tuple[tuple[str, str], ...] = (
    (r"^(?:the )?patient is rotated$", "患者体位旋转"), (r"^(?:the )?patient is (?:slightly|somewhat) rotated$",
                                                      "患者体位稍旋转"),
    (r"^(?:the )?patient is mildly rotated$", "患者体位轻度旋转"), (r"^(?:the )?patient is obese$", "患者体型肥胖"),
    (r"^(?:this )?(?:study|exam|examination) is limited (?:secondary to|by|due to) (?:the )?(?:patient )?body "
     r"habitus$", "受患者体型影响，检查受限"),
    (r"^(?:this )?(?:study|exam|examination) is somewhat limited (?:secondary to|by|due to) (?:the )?(?:patient )?"
     r"body habitus$", "受患者体型影响，检查稍受限"),
    (r"^the costophrenic angles are excluded$", "肋膈角未包括在视野内"),
    (r"^the posterior costophrenic angles are excluded on the lateral view$", "侧位片后肋膈角未包括在视野内"),
    (r"^(?:two|three|four|\d) images are available for review$", ""),
    (r"^there is motion artifact on the lateral (?:radiograph|view|image)$", "侧位片可见运动伪影"),
    (r"^limited bone evaluation reveals no acute abnormality$", "骨质评估受限，未见急性骨质异常"),
    (r"^(?:the )?(?:exam|examination|study) (?:is )?limited by patient rotation$", "患者体位旋转，检查受限"),
)

# A sentence about the one before it ('This is unchanged.'): said of 该表现 / 上述表现, no finding of its own.
BACK_REFERENCES: tuple[tuple[str, str], ...] = (
    (r"^(?:this|it) (?:is|appears) unchanged(?: compared to prior examination)?$", "该表现较前无变化"),
    (r"^these (?:are|appear) unchanged(?: compared to prior examination)?$", "上述表现较前无变化"),
    (r"^(?:this|it) (?:is|appears) stable(?: compared to prior examination)?$", "该表现较前稳定"),
    (r"^(?:this|it) (?:is|appears) relatively stable(?: compared to prior examination)?$", "该表现较前相对稳定"),
    (r"^these (?:are|appear) stable(?: compared to prior examination)?$", "上述表现较前稳定"),
)
