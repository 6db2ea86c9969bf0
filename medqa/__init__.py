"""medqa: Chinese chest X-ray question answering with Qwen vision-language models."""

__version__ = "0.1.0"
