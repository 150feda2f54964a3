"""The tenant's admin pages (/admin/): opened by role, not by Django's is_staff flag.

Tenant admins (capability `manage_reference_data`) maintain reference data here; each
ModelAdmin still decides what it shows (see apps.organization.admin). Superusers see all.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.http import HttpRequest


class SpendgateAdminSite(admin.AdminSite):
    site_header = "Spendgate"
    site_title = "Spendgate"

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return bool(
            user.is_active
            and (user.is_superuser or user.has_perm("accounts.manage_reference_data"))
        )


class SpendgateAdminConfig(AdminConfig):
    default_site = "apps.accounts.admin_site.SpendgateAdminSite"
