# expect: seed@6, seed@7, seed@8, seed@9, sandbox.process@7, sandbox.process@8, monkeypatch@9
import numpy as np
import sys

NAME = "se" + "ed"
getattr(np.random, "se" + "ed")(4)
getattr(__import__("numpy").random, "seed")(5)
__import__("random").seed(NAME)
getattr(sys.modules["numpy"].random, NAME)(6)
