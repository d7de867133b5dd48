from ganviz.training import runs


def test_runs_saved_in_the_same_second_get_folders_of_their_own(tmp_path, monkeypatch):
    monkeypatch.setattr(runs, "RUNS", tmp_path / "runs")
    monkeypatch.setattr(runs.time, "strftime", lambda fmt: "train-20261128-000000")
    folders = [runs.new_run_folder() for _ in range(3)]
    assert [f.name for f in folders] == ["train-20261128-000000", "train-20261128-000000-2",
                                         "train-20261128-000000-3"]
    assert all(f.is_dir() and not any(f.iterdir()) for f in folders)
