# expect: framework@2, framework@3, framework@4, framework@5, framework@6
import torch
import torch.nn as nn
from jax import numpy as jnp
import flax.linen
from xgboost import XGBClassifier
