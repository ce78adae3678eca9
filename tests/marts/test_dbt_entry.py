"""calltrack-dbt runs dbt's own command line with the garbage collector off."""

import gc
import subprocess
import sys
import types
from pathlib import Path

import pytest

from pipelines.marts import dbt_entry
from pipelines.marts.project import DBT_EXECUTABLE


def test_dbt_runs_with_the_collector_off_and_its_status_kept(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: dict[str, bool] = {}

    def fake_cli() -> None:
        seen["collector_enabled"] = gc.isenabled()
        sys.exit(3)

    monkeypatch.setitem(sys.modules, "dbt.cli.main", types.SimpleNamespace(cli=fake_cli))
    was_enabled = gc.isenabled()
    try:
        with pytest.raises(SystemExit) as exited:
            dbt_entry.main()
        assert exited.value.code == 3
        assert seen == {"collector_enabled": False}
        assert gc.get_freeze_count() > 0  # nothing left for the shutdown's collection
    finally:
        gc.unfreeze()
        if was_enabled:
            gc.enable()


def test_the_entry_point_is_real_dbt() -> None:
    assert Path(DBT_EXECUTABLE).name == "calltrack-dbt"
    version = subprocess.run(
        [DBT_EXECUTABLE, "--version"], capture_output=True, text=True, check=True
    )
    assert "installed" in version.stdout
    # dbt's exit status comes through (click: 2 for a command that does not exist)
    unknown = subprocess.run([DBT_EXECUTABLE, "no-such-command"], capture_output=True)
    assert unknown.returncode == 2
