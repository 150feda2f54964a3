"""Public-schema records of the partner's operating model. Each area keeps its models in its
own module; this module gathers them for Django."""

from .access_models import AccessGrant, SupportAccessSetting, SupportHandoff

__all__ = ["AccessGrant", "SupportAccessSetting", "SupportHandoff"]
