"""Model FLOPs of a training step, for MFU: the PaLM convention (Chowdhery et al. 2022, appendix B).

Per step, summed over the samples of the step:

* language model: 6 x N x tokens, N its parameters without the input embedding and without lm_head
  (6 = forward 2 + backward 4, whether or not the base weights are frozen: the convention counts the
  model's FLOPs, not the implementation's), plus attention 12 x layers x (heads x head_dim) x n per
  token of a sample of n tokens (so 12 L d n^2 per sample; a packed row counts each sample alone,
  since attention never crosses samples);
* lm_head: 6 x vocab x hidden on the positions the route actually projects (every real token for the
  model's own loss; the labelled positions of any row, times the rows, for medqa's loss);
* the frozen vision tower: forward only, 2 x its parameters per image patch plus attention
  4 x hidden x patches x span per block (span = the image's patches in a full-attention block, the
  window's in a windowed one).

MFU = these FLOPs / step time / the card's peak (989 TFLOP/s for H100 and H200 SXM bf16 dense).
Every route is credited the same FLOPs for the same samples except for lm_head, so MFU ratios are
throughput ratios up to that term.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FlopCounts:
    """The parameter and shape numbers the formula needs, read once from the model config."""

    n_body: int  # language parameters without the input embedding and lm_head
    n_vision: int  # vision tower parameters (merger included)
    head: int  # vocab x hidden
    layers: int
    attn_width: int  # heads x head_dim
    v_layers: int
    v_hidden: int
    full_blocks: frozenset[int]  # vision blocks with full attention (all of them when the tower has no windows)
    window_patches: int  # patches in one attention window (0: no windows)

    @classmethod
    def from_model(cls, model) -> FlopCounts:
        """Counts of a (meta-device) Qwen VL model."""
        vision = sum(p.numel() for n, p in model.named_parameters() if ".visual." in f".{n}")
        embed = model.get_input_embeddings().weight.numel()
        head = model.get_output_embeddings().weight.numel()
        text, vcfg = model.config.get_text_config(), model.config.vision_config
        head_dim = getattr(text, "head_dim", None) or text.hidden_size // text.num_attention_heads
        depth = vcfg.depth
        full = getattr(vcfg, "fullatt_block_indexes", None)
        window = getattr(vcfg, "window_size", 0) or 0
        window_patches = (window // vcfg.patch_size) ** 2 if full is not None and window else 0
        return cls(n_body=sum(p.numel() for p in model.parameters()) - vision - embed - head, n_vision=vision,
                   head=head, layers=text.num_hidden_layers, attn_width=text.num_attention_heads * head_dim,
                   v_layers=depth, v_hidden=vcfg.hidden_size,
                   full_blocks=frozenset(range(depth)) if full is None else frozenset(full),
                   window_patches=window_patches)

    def step(self, lengths: list[int], patches: list[int], head_positions: int) -> float:
        """FLOPs of one step: samples of `lengths` tokens, images of `patches` patches, lm_head on `head_positions`."""
        language = 6 * self.n_body * sum(lengths) + 12 * self.layers * self.attn_width * sum(n * n for n in lengths)
        vision = 0.0
        for p in patches:
            spans = [p if b in self.full_blocks or not self.window_patches else min(p, self.window_patches)
                     for b in range(self.v_layers)]
            vision += 2 * self.n_vision * p + 4 * self.v_hidden * p * sum(spans)
        return language + 6 * self.head * head_positions + vision
