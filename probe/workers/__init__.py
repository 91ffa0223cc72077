"""Several machines: a sweep dispatched through Celery workers on a Redis broker, results in
one shared database (PostgreSQL through its SQLAlchemy URL).

`probe dispatch` (probe.workers.dispatch) creates the sweep and its plan, then enqueues one task
per agency; `probe worker` (probe.workers.tasks) runs a Celery worker whose task probes one
agency with the ordinary sweep machinery (probe.workers.jobs) and stores the sealed run in the
shared database. probe.workers.locks holds the locks that keep this safe: one agency probed by
one task at a time, one chain link sealed at a time, timed runs alone on their machine.
"""
