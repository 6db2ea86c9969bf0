"""Boxes both ways: find the boxes a Qwen VL model puts in its answer, and put a clinician's region in a question.

Markup read by `parse_boxes` (any mix, any number, in any style):

    <ref>右肺结节</ref><box>(123,456),(789,900)</box>                       Qwen-VL / Qwen2-VL text form
    <|object_ref_start|>右肺结节<|object_ref_end|><|box_start|>(123,456),(789,900)<|box_end|>
    ```json [{"bbox_2d": [x1, y1, x2, y2], "label": "nodule"}] ```         Qwen2.5-VL / Qwen3-VL JSON

A box tag may also hold ``[x1, y1, x2, y2]``. The special-token form only reaches the text when
the answer is decoded with ``skip_special_tokens=False``; decoded with True, the tokens vanish and
the box cannot be found.

The *style* says what the numbers mean, whatever the markup:

- ``"qwen_vl"`` (Qwen-VL v1) and ``"qwen2_vl"``: 0-1000, relative to the image's width and height.
- ``"qwen2_5_vl"``: absolute pixels of the *resized* model input (the processor's smart_resize);
  pass ``model_size=(w, h)`` of that input (`model_input_size` computes it from the pixel budget),
  or the image's own size is assumed.
- ``"qwen3_vl"``: Qwen3-VL went back to 0-1000 relative coordinates (Qwen's Qwen3-VL grounding
  cookbook; ms-swift and supervision treat it so), written as JSON ``bbox_2d`` like Qwen2.5-VL.
  `style_for` therefore maps qwen3_vl here, not to ``"qwen2_5_vl"``, whose pixel reading would put
  every Qwen3-VL box in the wrong place.

Parsed boxes are in pixels of the original image, clamped to it, with x1 <= x2 and y1 <= y2.
Malformed markup and boxes with no area after clamping are skipped; parsing never raises.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

STYLES = ("qwen_vl", "qwen2_vl", "qwen2_5_vl", "qwen3_vl")
NORMALISED = 1000  # the 0-1000 grid of qwen_vl, qwen2_vl and qwen3_vl
COLOURS = ((230, 25, 75), (60, 180, 75), (0, 130, 200), (255, 225, 25), (245, 130, 48), (145, 30, 180))

_NUM = r"-?\d+(?:\.\d+)?"
_REF = re.compile(r"<ref>([^<]*)</ref>|<\|object_ref_start\|>([^<]*)<\|object_ref_end\|>")
_BOX = re.compile(r"<box>([^<]*)</box>|<\|box_start\|>([^<]*)<\|box_end\|>")
_TAG = re.compile(f"(?P<ref>{_REF.pattern})|(?P<box>{_BOX.pattern})")
_PAIRS = re.compile(rf"^\s*\(\s*({_NUM})\s*,\s*({_NUM})\s*\)\s*,\s*\(\s*({_NUM})\s*,\s*({_NUM})\s*\)\s*$")
_LIST = re.compile(rf"^\s*\[\s*({_NUM})\s*,\s*({_NUM})\s*,\s*({_NUM})\s*,\s*({_NUM})\s*\]\s*$")
# One JSON grounding object, in a fence or not, complete or cut off after it.
_OBJECT = re.compile(r"\{[^{}]*?[\"']bbox_2d[\"']\s*:\s*\[([^\[\]{}]*)\][^{}]*?\}", re.S)
_ARRAY = re.compile(rf"\[\s*(?:{_OBJECT.pattern}\s*,?\s*)+\]", re.S)
_LABEL = re.compile(r"[\"']label[\"']\s*:\s*[\"']((?:[^\"'\\]|\\.)*)[\"']", re.S)
_FENCE = re.compile(r"```(?:json)?\s*(.*?)(?:```|$)", re.S)
_LEFTOVER = re.compile(r"<\|(?:object_ref_(?:start|end)|box_(?:start|end)|quad_(?:start|end))\|>|</?(?:ref|box)>")
_OPEN_BOX_AT_END = re.compile(r"(?:<box>|<\|box_start\|>)[^<]*$")  # a box still streaming in
_CONTROL = re.compile(r"<\|[^|>]*\|>|</?(?:ref|box|quad)>")


@dataclass(frozen=True)
class Box:
    """A rectangle in pixels of the original image, with an optional label (the model's ref text)."""

    x1: float
    y1: float
    x2: float
    y2: float
    label: str = ""


def _check_style(style: str) -> None:
    if style not in STYLES:
        raise ValueError(f"unknown box style {style!r}; valid: {', '.join(STYLES)}")


def _scale(style: str, image_size: tuple[int, int], model_size: tuple[int, int] | None) -> tuple[float, float]:
    """The model's coordinate range per axis: 1000 for relative styles, the resized input size for qwen2_5_vl."""
    _check_style(style)
    if style != "qwen2_5_vl":
        return NORMALISED, NORMALISED
    w, h = model_size or image_size
    if w <= 0 or h <= 0:
        raise ValueError(f"model_size must be positive, got {model_size!r}")
    return w, h


def _to_box(numbers, label: str, image_size, scale) -> Box | None:
    """A clamped, ordered Box in image pixels, or None when the numbers do not make one."""
    try:
        x1, y1, x2, y2 = (float(n) for n in numbers)
    except (TypeError, ValueError):
        return None
    if not all(math.isfinite(v) for v in (x1, y1, x2, y2)):
        return None
    (w, h), (sx, sy) = image_size, scale
    # Multiply before dividing: integer coordinates then give the correctly rounded pixel value.
    xs = sorted(min(max(x * w / sx, 0.0), float(w)) for x in (x1, x2))
    ys = sorted(min(max(y * h / sy, 0.0), float(h)) for y in (y1, y2))
    if xs[0] == xs[1] or ys[0] == ys[1]:
        return None
    return Box(xs[0], ys[0], xs[1], ys[1], label.strip())


def _tag_boxes(text: str, image_size, scale) -> list[Box]:
    """Boxes from <ref>/<box> markup; a box takes the ref right before it (or before its sibling boxes)."""
    boxes, label, label_end = [], None, 0
    for match in _TAG.finditer(text):
        if match.group("ref") is not None:
            ref = _REF.fullmatch(match.group("ref"))
            label, label_end = (ref.group(1) if ref.group(1) is not None else ref.group(2)), match.end()
            continue
        body = _BOX.fullmatch(match.group("box"))
        inner = body.group(1) if body.group(1) is not None else body.group(2)
        bound = label is not None and not text[label_end : match.start()].strip()
        numbers = _PAIRS.match(inner) or _LIST.match(inner)
        box = _to_box(numbers.groups(), label if bound else "", image_size, scale) if numbers else None
        if box:
            boxes.append(box)
        label, label_end = (label, match.end()) if bound else (None, match.end())
    return boxes


def _json_object(match: re.Match) -> tuple[list, str] | None:
    """(bbox numbers, label) of one JSON grounding object; falls back to regexes for near-JSON."""
    try:
        obj = json.loads(match.group(0))
        bbox, label = obj.get("bbox_2d"), obj.get("label", "")
        if isinstance(bbox, list) and len(bbox) == 4:
            return bbox, label if isinstance(label, str) else str(label)
    except (ValueError, AttributeError):
        pass
    numbers = re.fullmatch(rf"\s*({_NUM})\s*,\s*({_NUM})\s*,\s*({_NUM})\s*,\s*({_NUM})\s*", match.group(1))
    if not numbers:
        return None
    label = _LABEL.search(match.group(0))
    return list(numbers.groups()), label.group(1) if label else ""


def _json_boxes(text: str, image_size, scale) -> list[Box]:
    boxes = []
    for match in _OBJECT.finditer(text):
        parsed = _json_object(match)
        box = _to_box(parsed[0], parsed[1], image_size, scale) if parsed else None
        if box:
            boxes.append(box)
    return boxes


def parse_boxes(
    text: str, image_size: tuple[int, int], style: str, model_size: tuple[int, int] | None = None
) -> list[Box]:
    """All boxes in `text`, in original-image pixels (see the module doc for markup and styles).

    `image_size` is the original image's (width, height); `model_size` is the resized model input's
    (width, height), used by the ``"qwen2_5_vl"`` style only. Tag boxes come first, then JSON boxes.
    Raises ValueError only for an unknown style or a non-positive size, never for the text.
    """
    w, h = image_size
    if w <= 0 or h <= 0:
        raise ValueError(f"image_size must be positive (width, height), got {image_size!r}")
    scale = _scale(style, image_size, model_size)
    if not isinstance(text, str) or not text:
        return []
    return _tag_boxes(text, image_size, scale) + _json_boxes(text, image_size, scale)


def _json_labels(block: str) -> str:
    labels = [parsed[1] for m in _OBJECT.finditer(block) if (parsed := _json_object(m)) and parsed[1]]
    cjk = any(re.search(r"[\u3400-\u9fff]", label) for label in labels)
    return ("、" if cjk else ", ").join(labels)


def strip_boxes(text: str) -> str:
    """`text` without box markup: boxes removed, ref tags replaced by their label, JSON boxes by their labels."""
    if not text:
        return text or ""

    def fence(match: re.Match) -> str:
        return _json_labels(match.group(1)) if _OBJECT.search(match.group(1)) else match.group(0)

    text = _FENCE.sub(fence, text)
    text = _ARRAY.sub(lambda m: _json_labels(m.group(0)), text)
    text = _OBJECT.sub(lambda m: parsed[1] if (parsed := _json_object(m)) else "", text)
    text = _BOX.sub("", text)
    text = _REF.sub(lambda m: m.group(1) if m.group(1) is not None else m.group(2), text)
    text = _OPEN_BOX_AT_END.sub("", text)
    return _LEFTOVER.sub("", text).strip()


@lru_cache(maxsize=8)
def _font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    """A font that has Chinese glyphs when one is installed (Noto CJK, WenQuanYi), else Pillow's default."""
    for candidate in (
        "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
        "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
        "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
        "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    ):
        if Path(candidate).is_file():
            return ImageFont.truetype(candidate, size)
    return ImageFont.load_default(size)


def draw_boxes(image: Image.Image, boxes: list[Box]) -> Image.Image:
    """An RGB copy of `image` with each box outlined in its own colour and its label above it."""
    out = image.convert("RGB")  # always a new image: the caller's stays untouched
    if not boxes:
        return out
    draw = ImageDraw.Draw(out)
    w, h = out.size
    line = max(2, round(min(w, h) / 200))
    font = _font(max(12, round(min(w, h) / 40)))
    for i, box in enumerate(boxes):
        colour = COLOURS[i % len(COLOURS)]
        # Outline width grows inwards, so nothing is drawn outside the box itself.
        x1, y1 = max(0, round(box.x1)), max(0, round(box.y1))
        x2, y2 = min(w - 1, round(box.x2) - 1), min(h - 1, round(box.y2) - 1)
        if x2 < x1 or y2 < y1:
            continue
        draw.rectangle((x1, y1, x2, y2), outline=colour, width=line)
        if box.label:
            left, top, right, bottom = draw.textbbox((0, 0), box.label, font=font)
            tw, th = right - left + 4, bottom - top + 4
            # Above the box when there is room, else just inside its top edge.
            ty = y1 - th if y1 - th >= 0 else y1 + line
            draw.rectangle((x1, ty, x1 + tw, ty + th), fill=colour)
            draw.text((x1 + 2 - left, ty + 2 - top), box.label, fill=(0, 0, 0), font=font)
    return out


def _clean_label(label: str) -> str:
    """A user-typed label cannot carry chat-template or box control tokens into the prompt."""
    return _CONTROL.sub("", label or "").strip()


def region_prompt(
    box: Box, image_size: tuple[int, int], style: str, model_size: tuple[int, int] | None = None
) -> str:
    """The clinician's region `box` (original-image pixels) in the model's own box markup, for the question.

    qwen_vl: <ref>..</ref><box>(x1,y1),(x2,y2)</box>; qwen2_vl: the special-token form; both 0-1000.
    qwen2_5_vl: {"bbox_2d": [...], "label": ..} in resized-input pixels; qwen3_vl: the same JSON, 0-1000.
    Coordinates are rounded to integers, as the models write them.
    """
    w, h = image_size
    if w <= 0 or h <= 0:
        raise ValueError(f"image_size must be positive (width, height), got {image_size!r}")
    sx, sy = _scale(style, image_size, model_size)
    x1, x2 = sorted(round(x * sx / w) for x in (box.x1, box.x2))
    y1, y2 = sorted(round(y * sy / h) for y in (box.y1, box.y2))
    label = _clean_label(box.label)
    if style in ("qwen2_5_vl", "qwen3_vl"):
        obj = {"bbox_2d": [x1, y1, x2, y2], **({"label": label} if label else {})}
        return json.dumps(obj, ensure_ascii=False)
    if style == "qwen_vl":
        return (f"<ref>{label}</ref>" if label else "") + f"<box>({x1},{y1}),({x2},{y2})</box>"
    ref = f"<|object_ref_start|>{label}<|object_ref_end|>" if label else ""
    return ref + f"<|box_start|>({x1},{y1}),({x2},{y2})<|box_end|>"


def style_for(model_type: str | None) -> str:
    """The box style for a config.model_type: qwen2_vl, qwen2_5_vl, qwen3_vl(_moe) -> qwen3_vl, qwen -> qwen_vl.

    Unknown types get ``"qwen2_vl"`` (0-1000), the reading most Qwen-family models share.
    """
    kind = (model_type or "").lower()
    if kind.startswith("qwen3_vl"):
        return "qwen3_vl"
    if kind == "qwen2_5_vl":
        return "qwen2_5_vl"
    if kind == "qwen":
        return "qwen_vl"
    return "qwen2_vl"


def model_input_size(image_size: tuple[int, int], min_pixels: int, max_pixels: int) -> tuple[int, int]:
    """(width, height) the Qwen processor resizes an image to within the pixel budget: Qwen2.5-VL boxes are in these."""
    from transformers.models.qwen2_vl.image_processing_qwen2_vl import smart_resize

    w, h = image_size
    rh, rw = smart_resize(h, w, factor=28, min_pixels=min_pixels, max_pixels=max_pixels)
    return rw, rh
