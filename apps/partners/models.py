"""Public-schema records of the partner's operating model. Each area keeps its models in its
own module; this module gathers them for Django (each area adds its import and its names)."""

from .access_models import AccessGrant, SupportAccessSetting, SupportHandoff
from .lifecycle_models import Offboarding
from .policy_templates.models import PolicyTemplate, PolicyTemplateVersion, TemplateRollout
from .sso.models import PartnerSsoConnection
from .usage_models import StorageMeasure

__all__ = [
    "AccessGrant",
    "Offboarding",
    "PartnerSsoConnection",
    "PolicyTemplate",
    "PolicyTemplateVersion",
    "StorageMeasure",
    "SupportAccessSetting",
    "SupportHandoff",
    "TemplateRollout",
]
