"""Which frontal view a report names for its film: PA, AP, portable AP or apical lordotic, or none it is sure of.

The report's own sentences (findings, impression) outrank its exam title ('Xray Chest PA and Lateral' is the order,
not what was filmed: 'This is an apical lordotic view'). A view only recommended ('recommend lordotic views') is not
this film's; two views that cannot both be this film (PA and AP, PA and lordotic, a decubitus film) name none.
"""

from __future__ import annotations

import re

# A view named PA or AP ('PA and lateral', 'AP supine'), not the AP window or a PA (pulmonary artery) catheter.
_VIEW = (r"(?=\s+(?:and|&|view|views|projection|radiograph|film|chest|supine|upright|semi|erect|portable|frontal|"
         r"only|technique|lordotic)\b)")
_NAMED = {
    "pa": re.compile(rf"\bpa\b{_VIEW}|\bposter[o-]?anterior\b|\b(?:ap/)?pa/ap\b|\bap/pa\b", re.IGNORECASE),
    "ap": re.compile(rf"\bap\b{_VIEW}|\bantero[- ]?posterior\b|\bsupine\b|\bpa/ap\b|\bap/pa\b", re.IGNORECASE),
    "portable": re.compile(r"\bportable\b", re.IGNORECASE),
    "lordotic": re.compile(r"\bapical lordotic\b|\blordotic (?:\w+ )?(?:views?|projections?|position\w*|films?|"
                           r"radiographs?|technique|imaging|frontal)\b|\b(?:views?|projections?|films?) (?:is|was) "
                           r"(?:\w+ )?lordotic\b", re.IGNORECASE),
    "decubitus": re.compile(r"\bdecubitus\b", re.IGNORECASE),
}
# A sentence that asks for a view (or compares with one) does not say what this film is.
_NOT_THIS_FILM = re.compile(r"\b(?:recommend\w*|suggest\w*|consider\w*|could|would|should|may|might|if|prior|"
                            r"previous|comparison|compared)\b", re.IGNORECASE)


def _named(text: str) -> set[str]:
    sentences = [s for s in re.split(r"(?<=[.;])\s+", text or "") if not _NOT_THIS_FILM.search(s)]
    joined = " ".join(sentences)
    return {view for view, pattern in _NAMED.items() if pattern.search(joined)}


def frontal_view(title: str, body: str) -> str | None:
    """'pa', 'ap', 'portable' (AP at the bedside), 'lordotic' or None (正位 alone) for a frontal film."""
    views = _named(body) or _named(title)
    if "decubitus" in views or "pa" in views and views & {"ap", "portable", "lordotic"}:
        return None
    if "lordotic" in views:
        return "lordotic"  # an apical lordotic film is often taken AP; 前弓位 is what it is
    if "portable" in views:
        return "portable"
    return "ap" if "ap" in views else "pa" if "pa" in views else None
