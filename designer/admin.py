"""Admin pages for workspaces and their members, drafts, pipeline versions and datasets."""
from __future__ import annotations

from django.contrib import admin

from .models import Dataset, Draft, Membership, PipelineVersion, Workspace


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ["user"]


@admin.register(Workspace)
class WorkspaceAdmin(admin.ModelAdmin):
    list_display = ["slug", "name", "created_at"]
    search_fields = ["slug", "name"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["workspace", "user", "role"]
    list_filter = ["role"]
    search_fields = ["workspace__slug", "user__username"]
    autocomplete_fields = ["workspace", "user"]


@admin.register(Draft)
class DraftAdmin(admin.ModelAdmin):
    list_display = ["id", "name", "workspace", "revision", "created_by", "updated_at"]
    list_filter = ["workspace"]
    search_fields = ["name", "description"]
    readonly_fields = ["revision", "created_at", "updated_at"]


@admin.register(PipelineVersion)
class PipelineVersionAdmin(admin.ModelAdmin):
    """Versions are immutable: readable here, never edited."""

    list_display = ["id", "name", "workspace", "digest", "created_by", "created_at"]
    list_filter = ["workspace"]
    search_fields = ["name", "digest"]

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Dataset)
class DatasetAdmin(admin.ModelAdmin):
    list_display = ["name", "version", "workspace", "source_format", "original_filename", "created_at"]
    list_filter = ["workspace", "source_format"]
    search_fields = ["name", "description", "original_filename"]
    readonly_fields = ["artifact", "version", "created_at"]
