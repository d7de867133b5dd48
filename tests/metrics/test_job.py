import threading

from ganviz.metrics.job import Job


def test_result_and_progress():
    job = Job(lambda progress: [progress("work", i, 3) for i in range(1, 4)] and "done")
    job.join(10)
    assert job.result == "done" and (job.stage, job.done, job.total) == ("work", 3, 3) and job.fraction == 1.0
    assert not job.running and job.error is None


def test_stop_ends_the_work_at_the_next_progress_call():
    release = threading.Event()

    def work(progress):
        for i in range(1_000):
            progress("loop", i, 1_000)
            release.wait(5)
        return "finished"

    job = Job(work)
    job.stop()
    release.set()
    job.join(10)
    assert job.stopped and job.result is None


def test_errors_are_reported_not_raised():
    def boom(progress):
        raise ValueError("n: too small")

    job = Job(boom)
    job.join(10)
    assert job.error == "n: too small" and not job.stopped
