"""hangar-py's import path: ``from hangar.dataset import make_torch_dataset``."""
from .torch import make_torch_dataset

__all__ = ["make_torch_dataset"]
