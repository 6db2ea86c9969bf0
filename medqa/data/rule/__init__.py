"""The offline rule generator (see medqa.data.rule.generator)."""

from medqa.data.rule.generator import RuleGenerator
from medqa.data.rule.turns import projection_pair

__all__ = ["RuleGenerator", "projection_pair"]
