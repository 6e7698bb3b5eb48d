# expect: framework@4, framework@5, sandbox.process@2, sandbox.process@4
import importlib

torch = __import__("torch")
importlib.import_module("jax.numpy")
