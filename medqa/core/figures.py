"""Matplotlib figures that can show Chinese, without pyplot's global state (safe in the app's worker threads)."""

from __future__ import annotations

import glob
from pathlib import Path

CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans CJK JP", "WenQuanYi Zen Hei", "Source Han Sans SC", "DejaVu Sans")
_families: list[str] = []


def figure(width: float, height: float):
    """A bare Agg figure (inches, 100 dpi) whose text can show Chinese once saved with `save`."""
    from matplotlib import font_manager
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    if not _families:  # matplotlib does not index .ttc collections (Debian's fonts-noto-cjk) by itself
        for path in glob.glob("/usr/share/fonts/opentype/noto/NotoSansCJK-*.ttc"):
            font_manager.fontManager.addfont(path)
        known = {f.name for f in font_manager.fontManager.ttflist}
        _families.extend([name for name in CJK_FONTS if name in known] or ["DejaVu Sans"])
    fig = Figure(figsize=(width, height), dpi=100)
    FigureCanvasAgg(fig)
    return fig


def save(fig, path: str | Path) -> Path:
    """Write `fig` as PNG to `path` with the CJK font on every text, atomically (no half-written plot)."""
    for text in fig.findobj(lambda o: hasattr(o, "set_fontfamily")):
        text.set_fontfamily(_families)
    fig.tight_layout()
    out = Path(path)
    partial = out.with_name(out.name + ".part.png")
    fig.savefig(partial, format="png")
    partial.replace(out)
    return out
