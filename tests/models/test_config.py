"""Model configs: the packaged default loads from anywhere; mistakes are refused early."""

from pathlib import Path

import pytest

from models.config import config_from_dict, load_config


def test_default_config_loads_from_any_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A fresh clone run from another folder still finds models/configs/default.yaml.
    monkeypatch.chdir(tmp_path)
    config = load_config()
    assert config.model_type == "logistic"
    assert config.features.text  # the default model reads the transcript
    assert config.tune.space  # and declares a search space for `calltrack model tune`


def test_every_packaged_config_is_valid() -> None:
    configs = sorted((Path(__file__).parents[2] / "models" / "configs").glob("*.yaml"))
    assert len(configs) >= 2
    for path in configs:
        assert load_config(path).name


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"model_type": "xgboost"}, "model_type"),  # not a known estimator
        ({"calibration": "platt"}, "calibration"),  # sigmoid is Platt; refuse the alias
        ({"champion": {"metric": "accuracy"}}, "metric"),  # meaningless for rare conversions
        ({"learning_rate": 0.1}, "unknown config keys"),  # hyperparameter at the wrong level
    ],
)
def test_invalid_configs_are_refused(change: dict, message: str) -> None:
    raw = {
        "name": "x",
        "model_type": "logistic",
        "features": {"numeric": ["talk_seconds"]},
        **change,
    }
    with pytest.raises(ValueError, match=message):
        config_from_dict(raw)


def test_missing_config_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        load_config(tmp_path / "nope.yaml")
