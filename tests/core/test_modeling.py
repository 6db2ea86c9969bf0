"""load_model: a bad adapter is reported before any base weights load."""

import pytest

from medqa.core.modeling import ModelLoadError, load_model


def test_missing_adapter_config_is_named_before_the_base_loads(tmp_path):
    # The base id does not exist either: the adapter must be the error reported, because it is checked first.
    with pytest.raises(ModelLoadError, match=r"--adapter .*: no adapter_config.json there"):
        load_model("no-such/base-model", adapter=str(tmp_path))
