"""What the demo knows before its first event: facts about the model, reference answers, example images.

`demo_context` inspects the backend and reads the data once, when the app is built, so the
event handlers only use what it found (and a wrong `--data` becomes a start-up warning, not a crash).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from medqa.app import backends, examples
from medqa.app.gallery import make_thumbnails
from medqa.serve.grounding import style_for
from medqa.serve.unavailable import UnavailableBackend

MERGED_PATCH_PIXELS = 28 * 28  # one image token of Qwen2-VL / Qwen2.5-VL covers a 28x28 pixel patch


@dataclass
class DemoContext:
    """Model facts, reference answers and example names the handlers use; `warnings` are shown at the top."""

    model: dict[str, str | None]  # model_id / adapter_id / adapter_hash, stored with every rating
    style: str  # the model's box format (medqa.serve.grounding)
    count: Callable[[str], int]  # tokens of a text, with the model's tokenizer
    image_tokens: int  # tokens one image costs at the model's pixel budget
    image_pixels: int = 448 * 448  # the model's pixel budget: the size a session keeps its image at
    no_model: bool = False  # started without any model configured: the banner says what to set
    references: dict = field(default_factory=dict)  # image key -> reference Q&A of the built dataset
    example_names: list[str] = field(default_factory=list)
    example_thumbnails: list[tuple[str, str, str]] = field(default_factory=list)  # (thumbnail, label, name)
    warnings: list[str] = field(default_factory=list)


def demo_context(backend, settings) -> DemoContext:
    """Inspect `backend` and read `settings.data` and `settings.examples_dir` once."""
    unavailable = isinstance(backend, UnavailableBackend)
    no_model = unavailable and getattr(backend, "reason", "") == "no_model"
    warnings = [backend.message] if unavailable and not no_model else []  # no_model has its own, translated banner
    try:
        references = examples.load_references(settings.data)
    except (OSError, ValueError, KeyError) as exc:  # a wrong --data must not stop the demo
        warnings.append(f"--data {settings.data}: {exc}")
        references = {}
    names = examples.list_examples(settings.examples_dir)
    return DemoContext(
        model=backends.model_info(backend, settings),
        style=style_for(backends.model_type(backend, settings)),
        count=backends.token_counter(backend),
        image_tokens=backends.image_budget(backend).max_pixels // MERGED_PATCH_PIXELS,
        image_pixels=backends.image_budget(backend).max_pixels,
        no_model=no_model,
        references=references,
        example_names=names,
        example_thumbnails=make_thumbnails(settings.examples_dir, names),
        warnings=warnings,
    )
