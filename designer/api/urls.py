"""Routes of the REST API (mounted at /api/v1/); anything else under it answers a JSON 404."""
from __future__ import annotations

from django.urls import path, re_path

from . import artifacts, auth, datasets, documents, drafts, modules, runs, versions, workspaces
from . import custom_modules, environments, outputs, samples, targets, uploads
from .fallback import NotFoundApi

urlpatterns = [
    path("modules/", modules.ModuleListApi.as_view(), name="module-list"),
    path("modules/<str:key>/<str:version>/", modules.ModuleDetailApi.as_view(), name="module-detail"),
    path("custom-modules/", custom_modules.CustomModuleListApi.as_view(), name="custom-module-list"),
    path("custom-modules/<int:module_id>/", custom_modules.CustomModuleDetailApi.as_view(), name="custom-module-detail"),
    path("environments/", environments.EnvironmentListApi.as_view(), name="environment-list"),
    path("environments/<int:environment_id>/", environments.EnvironmentDetailApi.as_view(), name="environment-detail"),
    path("environments/<int:environment_id>/build/", environments.EnvironmentBuildApi.as_view(),
         name="environment-build"),
    path("targets/", targets.ComputeTargetListApi.as_view(), name="target-list"),
    path("targets/<int:target_id>/", targets.ComputeTargetDetailApi.as_view(), name="target-detail"),
    path("auth/token/", auth.TokenApi.as_view(), name="auth-token"),
    path("me/", auth.MeApi.as_view(), name="me"),
    path("workspaces/", workspaces.WorkspaceListApi.as_view(), name="workspace-list"),
    path("drafts/", drafts.DraftListApi.as_view(), name="draft-list"),
    path("drafts/<int:draft_id>/", drafts.DraftDetailApi.as_view(), name="draft-detail"),
    path("drafts/<int:draft_id>/validation/", drafts.DraftValidationApi.as_view(), name="draft-validation"),
    path("drafts/<int:draft_id>/schemas/", drafts.DraftSchemasApi.as_view(), name="draft-schemas"),
    path("drafts/<int:draft_id>/plan/", drafts.DraftPlanApi.as_view(), name="draft-plan"),
    path("drafts/<int:draft_id>/submit/", drafts.DraftSubmitApi.as_view(), name="draft-submit"),
    path("samples/", samples.SampleListApi.as_view(), name="sample-list"),
    path("pipelines/validate/", drafts.PipelineValidateApi.as_view(), name="pipeline-validate"),
    path("schemas/pipeline-document/", documents.PipelineDocumentSchemaApi.as_view(), name="schema-pipeline-document"),
    path("versions/", versions.VersionListApi.as_view(), name="version-list"),
    path("versions/<int:version_id>/", versions.VersionDetailApi.as_view(), name="version-detail"),
    path("versions/<int:version_id>/submit/", versions.VersionSubmitApi.as_view(), name="version-submit"),
    path("runs/", runs.RunListApi.as_view(), name="run-list"),
    path("experiments/", runs.ExperimentListApi.as_view(), name="experiment-list"),
    path("runs/<int:run_id>/", runs.RunDetailApi.as_view(), name="run-detail"),
    path("runs/<int:run_id>/cancel/", runs.RunCancelApi.as_view(), name="run-cancel"),
    path("runs/<int:run_id>/events/", runs.RunEventsApi.as_view(), name="run-events"),
    path("runs/<int:run_id>/steps/", runs.RunStepsApi.as_view(), name="run-steps"),
    path("runs/<int:run_id>/steps/<str:node_id>/", runs.StepDetailApi.as_view(), name="step-detail"),
    path("runs/<int:run_id>/steps/<str:node_id>/outputs/<str:port>/", runs.StepOutputApi.as_view(),
         name="step-output"),
    path("runs/<int:run_id>/steps/<str:node_id>/outputs/<str:port>/rows/", outputs.StepOutputRowsApi.as_view(),
         name="step-output-rows"),
    path("runs/<int:run_id>/steps/<str:node_id>/outputs/<str:port>/download/", runs.StepOutputDownloadApi.as_view(),
         name="step-output-download"),
    path("datasets/", datasets.DatasetListApi.as_view(), name="dataset-list"),
    path("datasets/<int:dataset_id>/", datasets.DatasetDetailApi.as_view(), name="dataset-detail"),
    path("datasets/<int:dataset_id>/download/", datasets.DatasetDownloadApi.as_view(), name="dataset-download"),
    path("datasets/<int:dataset_id>/preview/", datasets.DatasetPreviewApi.as_view(), name="dataset-preview"),
    path("uploads/", uploads.UploadListApi.as_view(), name="upload-list"),
    path("uploads/<str:upload_id>/", uploads.UploadDetailApi.as_view(), name="upload-detail"),
    path("uploads/<str:upload_id>/complete/", uploads.UploadCompleteApi.as_view(), name="upload-complete"),
    path("artifacts/<str:digest>/", artifacts.ArtifactDetailApi.as_view(), name="artifact-detail"),
    path("artifacts/<str:digest>/download/", artifacts.ArtifactDownloadApi.as_view(), name="artifact-download"),
    re_path(r"^[\s\S]*$", NotFoundApi.as_view()),  # not ".": a path holding a newline is no page either
]
