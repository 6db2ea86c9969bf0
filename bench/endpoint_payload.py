"""How many bytes each image costs an OpenAI-compatible request, before and after the pixel budget.

    python bench/endpoint_payload.py [--images ../shared/data/openi/images] [--max_pixels 200704]

For every PNG under --images: the base64 PNG data URL of the full-resolution film (what the old
backend sent) and of the film shrunk to the budget (what `medqa.serve.endpoint` sends; the server
would shrink it to the same size anyway). Full IU films are up to 2,500 px a side, 4 MB a PNG.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from medqa.core.imaging import load_image  # noqa: E402
from medqa.core.modeling import ImageBudget  # noqa: E402
from medqa.serve.endpoint import data_url, fit_budget  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--images", type=Path, default=REPO.parent / "shared" / "data" / "openi" / "images")
    parser.add_argument("--max_pixels", type=int, default=ImageBudget().max_pixels)
    args = parser.parse_args()
    budget = ImageBudget(max_pixels=args.max_pixels)
    rows, total_full, total_sent = [], 0, 0
    for path in sorted(args.images.rglob("*.png")):
        image = load_image(path)
        sent = fit_budget(image, budget)
        full_bytes, sent_bytes = len(data_url(image)), len(data_url(sent))
        total_full, total_sent = total_full + full_bytes, total_sent + sent_bytes
        rows.append(f"| {path.name} | {image.width}x{image.height} | {full_bytes / 1e3:,.0f} kB | "
                    f"{sent.width}x{sent.height} | {sent_bytes / 1e3:,.0f} kB |")
    if not rows:
        print(f"no PNG under {args.images}", file=sys.stderr)
        return 2
    print(f"| image | full size | full request | sent size (budget {budget.max_pixels:,} px) | sent request |")
    print("|---|---|---|---|---|")
    print("\n".join(rows))
    print(f"\n{len(rows)} images: {total_full / 1e6:.2f} MB as they are, {total_sent / 1e6:.2f} MB within the budget "
          f"({total_full / total_sent:.1f}x smaller)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
