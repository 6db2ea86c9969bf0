"""English vocabulary of the report-sentence grammar (medqa.vocab.sentences): words -> lexicon keys.

Every finding word maps to a MeSH-like head of medqa.vocab.lexicon_table, and every modifier to one of its
qualifiers, so a text phrase renders through the same lexicon as the MeSH terms ('small left pleural effusion'
-> Pleural Effusion/left/small -> 左侧少量胸腔积液). A spec 'effusion[s|]' expands to 'effusions', 'effusion'.
Words not listed here make a sentence unrenderable: the grammar never guesses.
"""

from __future__ import annotations

import itertools
import re
from collections import defaultdict

# Finding nouns -> lexicon head key (with qualifiers some of them imply).
FINDING_NOUNS: dict[str, tuple[str, tuple[str, ...]]] = {
    "pleural effusion[s|];effusion[s|];pleural fluid;pleural fluid collection[s|];fluid": ("pleural effusion", ()),
    "pneumothorax;pneumothoraces;pneumothoraxes;pleural air collection[s|]": ("pneumothorax", ()),
    "hydropneumothorax": ("hydropneumothorax", ()),
    "consolidation[s|];area[s|] of consolidation": ("consolidation", ()),
    "airspace consolidation[s|]": ("consolidation", ("airspace",)),
    "alveolar consolidation[s|]": ("consolidation", ("alveolar",)),
    "airspace disease;airspace process": ("airspace disease", ()),
    "airspace opacit[y|ies];airspace opacification": ("opacity", ("airspace",)),
    "opacit[y|ies];opacification;area[s|] of opacity": ("opacity", ()),
    "densit[y|ies];area[s|] of density": ("density", ()),
    "lucenc[y|ies]": ("lucency", ()),
    "infiltrate[s|];infiltration;infiltrative process": ("infiltrate", ()),
    "pulmonary edema;edema;pulmonary oedema": ("pulmonary edema", ()),
    "interstitial edema": ("pulmonary edema", ("interstitial",)),
    "nodule[s|]": ("nodule", ()),
    "pulmonary nodule[s|];lung nodule[s|]": ("pulmonary nodule", ()),
    "nodular opacit[y|ies]": ("opacity", ("nodular",)),
    "nodular densit[y|ies]": ("density", ("nodular",)),
    "mass;masses": ("mass", ()),
    "pulmonary mass;lung mass": ("pulmonary mass", ()),
    "granuloma[s|ta|]": ("granuloma", ()),
    "calcified granuloma[s|ta|]": ("calcified granuloma", ()),
    "calcified nodule[s|]": ("calcified nodule", ()),
    "granulomatous disease;granulomatous process;granulomatous infection": ("granulomatous disease", ()),
    "scar[s|];scarring;cicatrix": ("cicatrix", ()),
    "fibrosis;pulmonary fibrosis;fibrotic change[s|]": ("pulmonary fibrosis", ()),
    "atelectasis;atelectases;atelectatic change[s|]": ("pulmonary atelectasis", ()),
    "pneumonia": ("pneumonia", ()),
    "pulmonary consolidation[s|];lung consolidation[s|];parenchymal consolidation[s|]": ("consolidation", ("lung",)),
    "pneumomediastinum": ("pneumomediastinum", ()),
    "pulmonary venous hypertension": ("pulmonary venous hypertension", ()),
    "spurring;spur[s|];bony spurring": ("osteophyte", ()),
    "pulmonary disease process;lung disease process": ("lung disease", ()),
    "dislocation[s|];subluxation[s|]": ("dislocations", ()),
    "granulomatous sequela[e|]": ("granulomatous disease", ("healed",)),
    "tuberculous disease;tuberculous process": ("tuberculosis", ()),
    "active tuberculosis;active tuberculous disease;active tuberculous process": ("tuberculosis", ("active",)),
    "pectus carinatum": ("pectus carinatum", ()),
    "pectus excavatum;pectus excavatum deformity": ("funnel chest", ()),
    "hemidiaphragm eventration;diaphragmatic eventration": ("diaphragmatic eventration", ()),
    "increased retrosternal airspace;increased retrosternal clear space": ("retrosternal airspace", ()),
    "emphysema;pulmonary emphysema;emphysematous change[s|]": ("emphysema", ()),
    "bullous emphysema": ("bullous emphysema", ()),
    "bulla;bullae": ("blister", ()),
    "copd;chronic obstructive pulmonary disease": ("pulmonary disease, chronic obstructive", ()),
    "hiatal hernia;hiatus hernia": ("hernia, hiatal", ()),
    "aortic dissection;dissection": ("aortic dissection", ()),
    "cardiomegaly;cardiac enlargement;enlarged heart;enlargement of the heart": ("cardiomegaly", ()),
    "fracture[s|];fracture deformit[y|ies]": ("fractures, bone", ()),
    "rib fracture[s|]": ("rib fracture", ()),
    "osteophyte[s|];osteophytosis": ("osteophyte", ()),
    "t-spine osteophyte[s|]": ("osteophyte", ("thoracic vertebrae",)),
    "spondylosis": ("spondylosis", ()),
    "endplate change[s|]": ("endplate changes", ()),
    "curvature;spine curvature;spinal curvature": ("scoliosis", ()),
    "dextrocurvature": ("scoliosis", ("right",)),
    "levocurvature": ("scoliosis", ("left",)),
    "scoliosis": ("scoliosis", ()),
    "dextroscoliosis": ("scoliosis", ("right",)),
    "levoscoliosis": ("scoliosis", ("left",)),
    "kyphosis": ("kyphosis", ()),
    "eventration": ("diaphragmatic eventration", ()),
    "adenopathy;lymphadenopathy": ("lymphadenopathy", ()),
    "pulmonary vascular congestion;vascular congestion;pulmonary congestion;congestion;"
    "central vascular congestion": ("pulmonary congestion", ()),
    "heart failure;chf;congestive heart failure": ("heart failure", ()),
    "pleural thickening": ("thickening", ("pleura",)),
    "thickening": ("thickening", ()),
    "pneumoperitoneum": ("pneumoperitoneum", ()),
    "free air;free intraperitoneal air;free subdiaphragmatic air;free air under the diaphragm;"
    "free intraperitoneal air under the diaphragm;free air beneath the diaphragm;subdiaphragmatic free air":
        ("free air", ()),
    "calcification[s|];calcified plaque[s|]": ("calcinosis", ()),
    "vascular calcification[s|];atherosclerotic vascular calcification[s|]": ("vascular calcification", ()),
    "atherosclerosis;atherosclerotic change[s|];atherosclerotic disease;atherosclerotic calcification[s|];"
    "atherosclerotic vascular disease": ("atherosclerosis", ()),
    "degenerative change[s|];degenerative disease;degenerative disc disease;degenerative endplate change[s|];"
    "arthritic change[s|];degenerative arthritis": ("degenerative change", ()),
    "arthritis": ("arthritis", ()),
    "deformit[y|ies]": ("deformity", ()),
    "cyst[s|]": ("cysts", ()),
    "cavitation;cavitary lesion[s|];cavity": ("cavitation", ()),
    "bronchiectasis": ("bronchiectasis", ()),
    "bronchitis": ("bronchitis", ()),
    "tuberculosis;tb": ("tuberculosis", ()),
    "sarcoidosis": ("sarcoidosis", ()),
    "interstitial lung disease": ("lung diseases, interstitial", ()),
    "osteopenia;demineralization;bone demineralization": ("bone diseases, metabolic", ()),
    "osteoporosis": ("osteoporosis", ()),
    "bronchovascular crowding": ("bronchovascular crowding", ()),
    "hyperinflation;hyperexpansion;hyperaeration;overinflation": ("hyperinflation", ()),
    "hypoinflation;poor inspiration;shallow inspiration": ("hypoinflation", ()),
    "low lung volumes;low volumes;diminished lung volumes;decreased lung volumes;reduced lung volumes":
        ("low lung volumes", ()),
    "mediastinal widening;widening of the mediastinum;widened mediastinum": ("widened mediastinum", ()),
    "cardiomediastinal shift;mediastinal shift;tracheal deviation": ("shift", ()),
    "foreign bod[y|ies]": ("foreign bodies", ()),
    "subcutaneous emphysema;subcutaneous air": ("subcutaneous emphysema", ()),
    "pericardial effusion[s|]": ("pericardial effusion", ()),
    "volume loss": ("volume loss", ()),
    "malignancy": ("malignancy", ()),
    "metastatic disease;metastases;metastasis": ("metastatic disease", ()),
    "lesion[s|]": ("lesion", ()),
    "abnormalit[y|ies];abnormal finding[s|]": ("abnormality", ()),
    "bony abnormalit[y|ies];osseous abnormalit[y|ies];bone abnormalit[y|ies];bony finding[s|];osseous finding[s|];"
    "osseous lesion[s|];bony lesion[s|];osseous injury;bony injury;skeletal abnormalit[y|ies];bony change[s|];"
    "osseous change[s|]": ("bone abnormality", ()),
    "bony or soft tissue abnormalit[y|ies]": ("bone or soft tissue abnormality", ()),
    "cardiopulmonary abnormalit[y|ies];cardiopulmonary disease;cardiopulmonary process;cardiopulmonary finding[s|];"
    "cardiothoracic abnormalit[y|ies];intrathoracic abnormalit[y|ies];intrathoracic process;intrathoracic disease;"
    "cardiothoracic disease;thoracic disease":
        ("cardiopulmonary disease", ()),
    "pulmonary disease;pulmonary abnormalit[y|ies];pulmonary process;pulmonary finding[s|];lung disease":
        ("lung disease", ()),
    "disease;process;finding[s|]": ("disease", ()),
}

# Devices, surgical material and normal variants: never a disease (issue 10, normality class).
DEVICE_NOUNS: dict[str, tuple[str, tuple[str, ...]]] = {
    "catheter[s|];central venous catheter[s|];central line;picc line;picc;port;port-a-cath;"
    "dialysis catheter;venous catheter": ("catheters, indwelling", ()),
    "pacemaker;pacer;defibrillator;aicd;pacemaker/aicd;dual lead pacemaker;cardiac pacemaker;"
    "pacemaker with leads": ("implanted medical device", ()),
    "monitor leads;external monitor leads;ecg leads;ekg leads;cardiac monitor leads;external cardiac monitor leads":
        ("monitor leads", ()),
    "sternotomy wires;sternotomy sutures;median sternotomy wires;mid sternotomy wires;midline sternotomy wires":
        ("sternal wires", ()),
    "median sternotomy;sternotomy;midline sternotomy;postoperative changes of sternotomy":
        ("sternotomy", ()),
    "surgical clips;clips;axillary surgical clips;surgical clip;clip": ("surgical clips", ()),
    "surgical staples;staples;staple line": ("surgical staples", ()),
    "tracheostomy tube;tracheostomy;tracheostomy cannula": ("tracheostomy tube", ()),
    "cholecystectomy clips;cholecystectomy surgical clips": ("cholecystectomy clips", ()),
    "stent[s|];coronary artery stent[s|];coronary stent[s|]": ("stents", ()),
    "endotracheal tube;nasogastric tube;enteric tube;feeding tube;chest tube": ("tube, inserted", ()),
    "gastrostomy tube": ("gastrostomy tube", ()),
    "overlying ekg leads;overlying monitor leads;overlying ecg leads": ("monitor leads", ()),
    "spinal fusion;spinal fusion hardware;fusion hardware": ("spinal fusion", ()),
    "cervical fusion;anterior cervical fusion;cervical spine fusion;cervical spinal fusion":
        ("spinal fusion", ("cervical vertebrae",)),
    "nipple shadow[s|]": ("nipple shadow", ()),
    "breast implant[s|]": ("breast implants", ()),
    "azygos lobe;azygos fissure;accessory azygos fissure": ("azygos lobe", ()),
    "lobectomy": ("lobectomy", ()),
    "upper lobectomy": ("lobectomy", ("upper lobe",)),
    "middle lobectomy": ("lobectomy", ("middle lobe",)),
    "lower lobectomy": ("lobectomy", ("lower lobe",)),
    "pneumonectomy": ("pneumonectomy", ()),
    "mastectomy": ("mastectomy", ()),
    "cholecystectomy": ("cholecystectomy", ()),
}

# Anatomy nouns: a place for a finding ('of the thoracic spine') and a subject for a state ('aorta is tortuous').
ANATOMY: dict[str, tuple[str, tuple[str, ...]]] = {
    "lung;lung field": ("lung", ()),
    "lungs;lung fields;both lungs;bilateral lungs": ("lung", ("bilateral",)),
    "markings;lung markings;pulmonary markings": ("markings", ()),
    "interstitial markings;interstitial lung markings": ("markings", ("interstitial",)),
    "bronchovascular markings": ("markings", ("bronchovascular",)),
    "lung base;base": ("lung", ("base",)),
    "lung bases;bases": ("lung", ("base", "bilateral")),
    "lung apex;apex": ("lung", ("apex",)),
    "lung apices;apices": ("lung", ("apex", "bilateral")),
    "upper lobe[s|]": ("lung", ("upper lobe",)),
    "middle lobe": ("lung", ("middle lobe",)),
    "lower lobe[s|]": ("lung", ("lower lobe",)),
    "mid lung;midlung;mid lung zone;mid lungs;mid lung field": ("lung", ("mid lung zone",)),
    "upper lung;upper lung zone;upper lungs;upper lung field": ("lung", ("upper lung zone",)),
    "lower lung;lower lung zone;lower lungs;lower lung field": ("lung", ("lower lung zone",)),
    "pulmonary vasculature;pulmonary vascularity;pulmonary vessels": ("blood vessels", ("lung",)),
    "lingula": ("lung", ("lingula",)),
    "hilum;hila;hilar region": ("lung", ("hilum",)),
    "perihilar region": ("lung", ("perihilar",)),
    "heart": ("heart", ()),
    "cardiac silhouette;heart silhouette;cardiac shadow": ("cardiac shadow", ()),
    "aorta;thoracic aorta;descending aorta;descending thoracic aorta": ("aorta", ()),
    "aortic arch;aortic knob": ("aortic arch", ()),
    "mediastinum": ("mediastinum", ()),
    "spine;spinal column": ("spine", ()),
    "thoracic spine;t-spine;midthoracic spine;mid thoracic spine;lower thoracic spine;upper thoracic spine;"
    "thoracic vertebrae;thoracic vertebral bodies": ("thoracic vertebrae", ()),
    "lumbar spine;upper lumbar spine": ("lumbar vertebrae", ()),
    "cervical spine;lower cervical spine": ("cervical vertebrae", ()),
    "thoracolumbar spine": ("spine", ()),
    "diaphragm;diaphragms;hemidiaphragm;hemidiaphragms": ("diaphragm", ()),
    "costophrenic angle[s|];costophrenic sulcus;costophrenic sulci;costophrenic recess[es|]":
        ("costophrenic angle", ()),
    "lymph nodes;lymph node": ("lymph nodes", ()),
    "rib[s|]": ("ribs", ()),
    "clavicle[s|]": ("clavicle", ()),
    "humerus;humeri;humeral head[s|]": ("humerus", ()),
    "shoulder[s|]": ("shoulder", ()),
    "sternum": ("sternum", ()),
    "pleura;pleural space[s|]": ("pleura", ()),
    "trachea": ("trachea", ()),
    "upper abdomen;abdomen;right upper quadrant": ("abdomen", ()),
    "chest wall;chest": ("thorax", ()),
    "skeletal structures;osseous structures;bony structures;bones": ("bone and bones", ()),
    "retrocardiac region;retrocardiac space": ("retrocardiac", ()),
}

# Adjectives that place a finding (lexicon qualifier keys).
PLACE_ADJECTIVES: dict[str, tuple[str, ...]] = {
    "right": ("right",), "left": ("left",), "bilateral": ("bilateral",), "both": ("bilateral",),
    "right-sided": ("right",), "left-sided": ("left",),
    "basilar;basal;base;lung base;basilar lung": ("base",),
    "bibasilar;bibasal;bilateral basilar;bibasilar lung": ("bilateral", "base"),
    "apical;lung apex": ("apex",),
    "biapical;bilateral apical": ("bilateral", "apex"),
    "upper lobe": ("upper lobe",), "middle lobe": ("middle lobe",), "lower lobe": ("lower lobe",),
    "mid lung;midlung;mid lung zone": ("mid lung zone",),
    "upper lung;upper lung zone": ("upper lung zone",), "lower lung;lower lung zone": ("lower lung zone",),
    "lingular": ("lingula",),
    "hilar": ("hilum",), "perihilar;parahilar": ("perihilar",),
    "retrocardiac": ("retrocardiac",),
    "mediastinal": ("mediastinum",), "paratracheal": ("paratracheal",),
    "aortic": ("aorta",), "thoracic aortic": ("aorta, thoracic",),
    "pulmonary;lung": ("lung",),
    "thoracic;thoracic spine;t-spine": ("thoracic vertebrae",),
    "lumbar": ("lumbar vertebrae",), "cervical": ("cervical vertebrae",),
    "spinal;vertebral": ("spine",),
    "pleural": ("pleura",),
    "rib": ("ribs",),
    "lateral": (), "medial": (), "central": ("central",), "peripheral": ("peripheral",),
    "posterior": ("posterior",), "anterior": ("anterior",),
    "subsegmental": ("subsegmental",), "segmental": ("segmental",), "lobar": ("lobar",),
}

# Severity and size words -> lexicon severity qualifier.
SEVERITY_WORDS: dict[str, str] = {
    "mild;mildly;slight;slightly;minimally": "mild",
    "minimal;trace;tiny": "minimal",
    "small": "small",
    "moderate;moderately": "moderate",
    "large;sizable": "large",
    "severe;severely;marked;markedly;extremely": "severe",
    "borderline": "borderline",
}

# Descriptors kept in the Chinese phrase (and, under negation, in the negated phrase).
DESCRIPTORS: dict[str, str] = {
    "focal": "focal", "multifocal": "multiple", "multiple": "multiple", "several": "multiple", "few": "scattered",
    "numerous": "multiple", "single": "single", "solitary": "single", "pneumonic": "pneumonic",
    "radiopaque": "radiopaque", "radiodense": "radiopaque",
    "scattered": "scattered", "diffuse": "diffuse", "patchy": "patchy", "streaky": "streaky", "linear": "streaky",
    "round": "round", "rounded": "round", "reticular": "reticular", "irregular": "irregular",
    "interstitial": "interstitial", "alveolar": "alveolar", "airspace": "airspace",
    "chronic": "chronic", "old": "healed", "healed": "healed", "healing": "healing", "new": "new",
    "acute": "acute", "active": "active", "calcified": "calcified", "noncalcified": "noncalcified",
    "displaced": "displaced", "definite": "definite", "definitive": "definite", "suspicious": "suspicious",
    "significant": "significant", "typical": "typical", "discrete": "definite", "convincing": "definite",
    "gross": "significant", "obvious": "significant", "overt": "significant", "dense": "dense",
    "platelike": "platelike", "discoid": "platelike", "ill-defined": "ill-defined", "hazy": "hazy",
    "subtle": "subtle", "vague": "subtle", "faint": "subtle", "nodular": "nodular", "prominent": "prominent",
    "increased": "increased", "coarse": "prominent", "coarsened": "prominent", "extensive": "extensive",
    "large volume": "large", "small volume": "small", "loculated": "loculated", "compression": "compression",
    "wedge": "wedge", "underlying": "underlying", "spiculated": "spiculated",
    "prior": "prior", "previous": "prior", "superimposed": "superimposed", "parenchymal": "parenchymal",
    "traumatic": "traumatic", "consolidative": "consolidative", "consolidating": "consolidative",
    "multilevel": "multilevel", "mild to moderate": "mild to moderate",
    "chronic-appearing": "chronic",
}

# Words that add nothing under negation or in a phrase ('no visible pneumothorax' = 未见气胸).
EMPTY_WORDS = frozenset({"a", "an", "the", "any", "some", "visible", "visualized", "identifiable", "radiographic",
                         "appreciable", "detectable", "abnormal",
                         "apparent", "evident", "other", "additional", "further", "signs", "of"})

# States of anatomy, as adjectives before it or predicates after it ('tortuous aorta', 'aorta is tortuous').
STATES: dict[str, str] = {
    "enlarged": "enlarged", "large": "enlarged", "tortuous": "tortuous", "elevated": "elevated",
    "flattened": "flattened", "flat": "flattened", "blunted": "blunted", "hyperexpanded": "hyperdistention",
    "hyperinflated": "hyperdistention", "hyperaerated": "hyperdistention", "overinflated": "hyperdistention",
    "hypoinflated": "hypoinflation", "hypoventilated": "hypoinflation", "low": "low", "diminished": "low",
    "widened": "enlarged",
    "prominent": "prominent", "ectatic": "enlarged", "dilated": "enlarged", "unfolded": "unfolded",
    "obscured": "obscured", "calcified": "calcified", "atherosclerotic": "atherosclerotic",
    "degenerative": "degenerative", "crowded": "crowded", "increased": "prominent", "coarse": "prominent",
    "coarsened": "prominent",
}
# States as nouns, for anatomy only: 'tortuosity of the aorta', 'elevation of the right hemidiaphragm'.
STATE_NOUNS: dict[str, str] = {
    "tortuosity": "tortuous", "elevation": "elevated", "flattening": "flattened", "blunting": "blunted",
    "enlargement": "enlarged", "widening": "enlarged", "prominence": "prominent", "unfolding": "unfolded",
    "ectasia": "enlarged",
}


def expand(spec: str) -> list[str]:
    """'a[b|c|];d' -> ['ab', 'ac', 'a', 'd']: ';' separates alternatives, '[..|..]' is a choice."""
    out = []
    for alt in spec.split(";"):
        pieces = re.split(r"\[([^\]]*)\]", alt)
        choices = [p.split("|") if i % 2 else [p] for i, p in enumerate(pieces)]
        out += ["".join(c) for c in itertools.product(*choices)]
    return [" ".join(w.split()) for w in out if w.strip()]


class WordTable:
    """Multi-word phrases -> values, matched longest first at a token position.

    Lookups try only the phrase lengths that exist for the word at the position, each a dict lookup, so
    a table of thousands of expanded phrases costs a few probes per position.
    """

    def __init__(self, specs: dict) -> None:
        self._phrases: dict[tuple[str, ...], object] = {}
        lengths: dict[str, set[int]] = defaultdict(set)
        for spec, value in specs.items():
            for phrase in expand(spec):
                words = tuple(phrase.split())
                self._phrases.setdefault(words, value)
                lengths[words[0]].add(len(words))
        self._lengths = {word: sorted(ns, reverse=True) for word, ns in lengths.items()}

    def matches(self, tokens: tuple[str, ...], i: int) -> list[tuple[int, object]]:
        """Every (length, value) whose phrase starts at tokens[i], longest first."""
        lengths = self._lengths.get(tokens[i]) if i < len(tokens) else None
        if not lengths:
            return []
        found = []
        for n in lengths:
            value = self._phrases.get(tokens[i:i + n]) if i + n <= len(tokens) else None
            if value is not None:
                found.append((n, value))
        return found

    def match(self, tokens: tuple[str, ...], i: int):
        """The longest (length, value) at tokens[i], or None."""
        for n in self._lengths.get(tokens[i], ()) if i < len(tokens) else ():
            value = self._phrases.get(tokens[i:i + n]) if i + n <= len(tokens) else None
            if value is not None:
                return n, value
        return None

    def __contains__(self, word: str) -> bool:
        return word in self._lengths
