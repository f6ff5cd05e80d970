"""How a graph runs, as rows: artifacts, runs, steps, attempts, events and the reuse cache.
The database is the truth; everything else only rings a bell."""
from __future__ import annotations

from django.conf import settings
from django.db import models

from .experiments import DEFAULT_EXPERIMENT, EXPERIMENT_MAX


class Workspace(models.Model):
    """Who owns runs, artifacts and the reuse cache. The designer adds members, drafts and datasets
    (its own models); the table keeps the name it was created with."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=100, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "designer_workspace"

    def __str__(self) -> str:
        return self.name


class PipelineVersion(models.Model):
    """An immutable snapshot of a pipeline: its canonical document, named by the document's hash,
    and the document as the user drew it. Runs are made from versions."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="versions")
    # the designer's draft it was first snapshotted from: a loose reference (the engine knows no
    # drafts); the designer clears it when the draft is deleted
    draft_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    name = models.CharField(max_length=200)
    digest = models.CharField(max_length=64)
    document = models.JSONField()
    # the document as drawn (positions, labels, comments, description); null on versions made before
    # it was kept, which then show their canonical document
    source_document = models.JSONField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "designer_pipelineversion"
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["workspace", "digest"], name="one_version_per_digest")]


class Artifact(models.Model):
    """A stored, content-addressed output: DataFrame, model, transform, metrics or file."""

    digest = models.CharField(max_length=64, primary_key=True)
    kind = models.CharField(max_length=20)
    size = models.BigIntegerField()
    meta = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)


class ArtifactGrant(models.Model):
    """Which workspaces may read an artifact (content is shared, access is not)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    artifact = models.ForeignKey(Artifact, on_delete=models.CASCADE, related_name="grants")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "artifact"], name="one_grant")]


class Run(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        SUCCEEDED = "succeeded"
        FAILED = "failed"
        CANCELLED = "cancelled"

    FINAL = (Status.SUCCEEDED, Status.FAILED, Status.CANCELLED)

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="runs")
    version = models.ForeignKey(PipelineVersion, on_delete=models.PROTECT, related_name="runs")
    # the designer's draft it was submitted from (equal documents share a version, so not always
    # version.draft_id): a loose reference, cleared by the designer when the draft is deleted
    draft_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED, db_index=True)
    params = models.JSONField(default=dict)
    force = models.BooleanField(default=False)
    experiment = models.CharField(max_length=EXPERIMENT_MAX, default=DEFAULT_EXPERIMENT,
                                  help_text="the group the run is filed under (engine/experiments.py)")
    plan = models.JSONField(default=dict)
    # the document as the user drew it at this submit (positions, labels, comments), when it differs
    # from what its version keeps: equal canonical documents share a version, drawings do not
    drawn_document = models.JSONField(null=True, blank=True)
    error = models.TextField(blank=True, default="")
    # set before the engine acts on a cancel: a cancel always wins over a resume after a crash
    cancel_requested = models.BooleanField(default=False)
    event_seq = models.PositiveBigIntegerField(default=0)
    # the engine process driving the run (`host:pid:nonce`, blank until one claims it) and until when
    # its lease holds: renewed by that engine's heartbeat, taken over by another only once it lapsed
    owner = models.CharField(max_length=100, blank=True, default="")
    lease_until = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["workspace", "experiment"], name="run_workspace_experiment"),
                   models.Index(fields=["draft_id", "version"], name="run_draft_version")]

    @property
    def duration(self) -> float | None:
        """Seconds from start to finish; None until the run has both."""
        if self.started_at is None or self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()


class Step(models.Model):
    class Status(models.TextChoices):
        WAITING = "waiting"
        QUEUED = "queued"
        RUNNING = "running"
        SUCCEEDED = "succeeded"
        CACHED = "cached"
        FAILED = "failed"
        SKIPPED = "skipped"
        CANCELLED = "cancelled"

    FINAL = (Status.SUCCEEDED, Status.CACHED, Status.FAILED, Status.SKIPPED, Status.CANCELLED)
    DONE_OK = (Status.SUCCEEDED, Status.CACHED)

    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="steps")
    node_id = models.CharField(max_length=100)
    module = models.CharField(max_length=100)
    version = models.CharField(max_length=20)
    target = models.CharField(max_length=50, default="local")
    # where the step really ran (its last attempt), as the target said; blank when not applicable
    host = models.CharField(max_length=255, blank=True, default="")
    worker = models.CharField(max_length=255, blank=True, default="")
    container = models.CharField(max_length=255, blank=True, default="")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.WAITING, db_index=True)
    cache_key = models.CharField(max_length=64, blank=True, default="", db_index=True)
    reused_from = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    outputs = models.JSONField(default=dict)  # port -> {"digest", "kind"}
    metrics = models.JSONField(default=list)
    error = models.TextField(blank=True, default="")
    traceback = models.TextField(blank=True, default="")
    reason = models.CharField(max_length=20, blank=True, default="")
    # its last failure's class (engine/failures.py): user_code, timeout, memory, lost, launch, infrastructure
    failure = models.CharField(max_length=20, blank=True, default="")
    # the node's retry policy (engine/failures.RetryPolicy json); null: the server's default
    retry_policy = models.JSONField(null=True, blank=True)
    # a waiting step that failed and runs again: not before this time (its retry's backoff)
    # (held back until the engine releases it, engine/results.release_due_retries)
    retry_at = models.DateTimeField(null=True, blank=True, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    duration = models.FloatField(null=True, blank=True)
    peak_rss_mb = models.FloatField(null=True, blank=True)
    base_rss_mb = models.FloatField(null=True, blank=True, help_text="resident size at the step's start")
    from_memory_mb = models.FloatField(
        null=True, blank=True, help_text="inputs the worker already held in memory (frame cache), not read back")

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["run", "node_id"], name="one_step_per_node")]
        # "has this run an unfinished step?" in one look-up, whatever the size of the run
        indexes = [models.Index(fields=["run", "status"], name="step_run_status")]


class Attempt(models.Model):
    """One launch of a step, holding a lease renewed by heartbeats."""

    class Status(models.TextChoices):
        RUNNING = "running"
        SUCCEEDED = "succeeded"
        FAILED = "failed"

    step = models.ForeignKey(Step, on_delete=models.CASCADE, related_name="attempts")
    number = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    owner = models.CharField(max_length=100, help_text="the engine process that holds the lease")
    heartbeat_at = models.DateTimeField()
    started_at = models.DateTimeField(auto_now_add=True)
    # when a Celery worker took the attempt (engine/celery_worker.claim); null on the engine's own
    # targets: started_at -> claimed_at is the task's wait in the broker (bench/load.py)
    claimed_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=20, blank=True, default="")
    failure = models.CharField(max_length=20, blank=True, default="", help_text="the class of its failure")

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["step", "number"], name="one_attempt_number")]


class RunEvent(models.Model):
    """Every event sent for a run, numbered; lets a client resync over REST after a gap."""

    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="events")
    seq = models.PositiveBigIntegerField()
    type = models.CharField(max_length=20)
    payload = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["seq"]
        constraints = [models.UniqueConstraint(fields=["run", "seq"], name="one_event_per_seq")]


class CacheEntry(models.Model):
    """A step key whose outputs exist: equal key + reuse allowed means no process at all."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=64)
    outputs = models.JSONField()
    step = models.ForeignKey(Step, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "key"], name="one_entry_per_key")]


class ComputeTarget(models.Model):
    """A compute target a workspace registered: its name (what a node's or a pipeline's `target`
    says), its kind and the settings of that kind (engine/compute_targets.py validates them). The
    targets of settings.ENGINE["TARGETS"] (the built-in `local`) are every workspace's and are not
    rows. The engine looks a step's target up at each launch: an edit takes effect without a restart."""

    class Kind(models.TextChoices):
        LOCAL = "local"
        CELERY = "celery"
        DOCKER = "docker"

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="compute_targets")
    name = models.CharField(max_length=64)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    settings = models.JSONField(default=dict)  # after created_by: the name hides django's settings below
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["workspace", "name"], name="one_target_per_name")]

    def __str__(self) -> str:
        return f"{self.name} ({self.kind})"


class Environment(models.Model):
    """One version of a workspace's named environment: Python packages (and, for docker targets, a
    base image). Versions are immutable; an edit makes the next one. `content_hash` names the build
    (engine/environments.py), shared by every environment with the same contents."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="environments")
    name = models.CharField(max_length=64)
    version = models.PositiveIntegerField()
    packages = models.JSONField(default=list)
    base_image = models.CharField(max_length=200, blank=True, default="")
    content_hash = models.CharField(max_length=64, db_index=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "-version"]
        constraints = [models.UniqueConstraint(fields=["workspace", "name", "version"], name="one_environment_version")]

    def __str__(self) -> str:
        return f"{self.name}@{self.version}"


class EnvironmentBuild(models.Model):
    """The build of one content hash (a virtual environment on the machine that built it), shared by
    identical environments of any workspace: its status, log and error."""

    class Status(models.TextChoices):
        QUEUED = "queued"
        BUILDING = "building"
        READY = "ready"
        FAILED = "failed"

    content_hash = models.CharField(max_length=64, unique=True)
    spec = models.JSONField()  # engine.environments.build_spec: python, packages, base_image
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    log = models.TextField(blank=True, default="")
    error = models.TextField(blank=True, default="")
    host = models.CharField(max_length=255, blank=True, default="", help_text="the machine that built it")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
