"""Seeds NumPy by a route no static check reads: a computed attribute name."""

getattr(__import__("numpy").random, "se" + "ed")(1)
