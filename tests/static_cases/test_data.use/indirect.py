# expect: test_data.use@5, test_data.use@6, test_data.use@7, test_data.use@8, test_data.use@9, test_data.use@11, test_data.use@12, monkeypatch@8
import sys
import __main__

a = globals()["test_x"]
b = vars()["test_y"]
c = globals().get("test_x")
d = sys.modules[__name__].test_x
e = __main__.test_y
namespace = globals()
f = namespace["test_x"]
globals()["test_y"] = None
