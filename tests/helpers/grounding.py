"""The model input size read back from a processor's `image_grid_thw` (test-only cross-check)."""

from __future__ import annotations


def model_input_size(image_grid_thw, patch_size: int = 14) -> tuple[int, int]:
    """(width, height) of the resized model input from one image's ``image_grid_thw`` row (t, h, w patches)."""
    row = image_grid_thw.tolist() if hasattr(image_grid_thw, "tolist") else list(image_grid_thw)
    if row and isinstance(row[0], list):
        row = row[0]
    if len(row) != 3:
        raise ValueError(f"image_grid_thw must be (t, h, w) for one image, got {image_grid_thw!r}")
    _, grid_h, grid_w = (int(v) for v in row)
    return grid_w * patch_size, grid_h * patch_size
