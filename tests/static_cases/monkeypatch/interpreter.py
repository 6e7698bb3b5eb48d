# expect: monkeypatch@5, monkeypatch@6, monkeypatch@7, monkeypatch@8, monkeypatch@9, monkeypatch@10, monkeypatch@11
import sys
import sys as system

sys.modules["numpy"] = None
system.addaudithook(lambda event, args: None)
sys.settrace(None)
sys.setprofile(None)
__builtins__.print = None
from sys import modules
frame = sys._getframe()
