"""Why an image cannot be used, said in the page's language and without a library's internals.

medqa.core.imaging explains a refused file in English for logs and the command line, with the
library's own words in brackets (pydicom's "<_io.BytesIO object at 0x...>", a Pillow error). The
clinician sees what the problem means, in Chinese or English, with the file name and the figures
that matter (sizes, limits); the full English text goes to the log. `PROBLEMS` is the table of
recognised problems: a pattern over the English text, and the Chinese and English sentences with
the pattern's named figures.
"""

from __future__ import annotations

import re

PROBLEMS: tuple[tuple[str, str, str], ...] = (
    (r"the file is too large \((?P<mb>[\d.]+) MB; the limit is (?P<limit>\d+) MB\)",
     "文件太大（{mb} MB，上限 {limit} MB）", "the file is too large ({mb} MB; the limit is {limit} MB)"),
    (r"too large: (?P<w>\d+)x(?P<h>\d+) is (?P<mp>\d+) megapixels, over the (?P<limit>\d+) MP limit",
     "{w}×{h} 共 {mp} 百万像素，超过 {limit} 百万像素的上限",
     "{w}x{h} is {mp} megapixels, over the {limit} MP limit"),
    (r"too large: (?P<mp>\d+) megapixels, over the (?P<limit>\d+) MP limit",
     "{mp} 百万像素，超过 {limit} 百万像素的上限", "{mp} megapixels, over the {limit} MP limit"),
    (r"too large: (?P<n>\d+) frame\(s\) of (?P<w>\d+)x(?P<h>\d+) take (?P<mb>\d+) MB uncompressed",
     "{n} 帧 {w}×{h} 未压缩共 {mb} MB，超出上限", "{n} frame(s) of {w}x{h} take {mb} MB uncompressed"),
    (r"inflates to more than its header announces",
     "压缩数据解压后超过文件头声明的大小", "the compressed data inflates to more than its header announces"),
    (r"cannot read file", "无法读取文件", "the file cannot be read"),
    (r"not a readable image", "不是可读取的图像（应为 PNG、JPEG 或 DICOM）",
     "not a readable image (PNG, JPEG or DICOM expected)"),
    (r"DICOM has no pixel data", "DICOM 文件不含图像（可能是报告或结构化对象）",
     "the DICOM file has no pixel data (a report or structured object, not an image)"),
    (r"cannot decode DICOM pixels", "无法解码 DICOM 图像数据（不支持的压缩格式？）",
     "the DICOM pixels cannot be decoded (an unsupported compression?)"),
    (r"is not an example image", "不在示例图像之列", "not one of the example images"),
    (r"malformed size tags|corrupt", "文件已损坏或不完整", "the file is corrupt or truncated"),
)
_COMPILED = [(re.compile(pattern), zh, en) for pattern, zh, en in PROBLEMS]
_UNKNOWN = ("无法识别的图像问题", "an unrecognised problem with the image")


def image_problem(message: str, name: str, lang: str) -> str:
    """`name: what is wrong` in `lang` for an ImageError's English `message`."""
    for pattern, zh, en in _COMPILED:
        found = pattern.search(message)
        if found:
            return f"{name}: {(en if lang == 'en' else zh).format(**found.groupdict())}"
    return f"{name}: {_UNKNOWN[1] if lang == 'en' else _UNKNOWN[0]}"
