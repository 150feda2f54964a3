"""The tenants' file storage: django-tenants' per-tenant prefix (`tenants/<schema>/`), refusing
to store or read a file of a tenant whose region is not this deployment's (residency.py)."""

from __future__ import annotations

from typing import Any

from django_tenants.files.storage import TenantFileSystemStorage

from .residency import region_check


class RegionalTenantStorage(TenantFileSystemStorage):
    def _open(self, name: str, mode: str = "rb") -> Any:
        region_check()
        return super()._open(name, mode)

    def _save(self, name: str, content: Any) -> str:
        region_check()
        return str(super()._save(name, content))
