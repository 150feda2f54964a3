"""Public-schema records of the partner's operating model. Each area keeps its models in its
own module; this module gathers them for Django."""

from .usage_models import StorageMeasure  # usage and plans

__all__ = ["StorageMeasure"]
