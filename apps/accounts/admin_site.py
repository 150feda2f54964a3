"""Django's admin pages (/admin/): for operators' superusers only. Tenant admins keep
reference data in the portal (`/settings/reference-data/`), where every change goes through a
service and into the audit trail; the admin would write around both."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.http import HttpRequest


class SpendgateAdminSite(admin.AdminSite):
    site_header = "Spendgate"
    site_title = "Spendgate"

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return bool(user.is_active and user.is_superuser)


class SpendgateAdminConfig(AdminConfig):
    default_site = "apps.accounts.admin_site.SpendgateAdminSite"
