# expect: sandbox.process@2, sandbox.process@3, sandbox.process@4, sandbox.process@7, sandbox.process@8, sandbox.process@9, sandbox.process@10, sandbox.process@11, sandbox.process@12, monkeypatch@12
import ctypes
import cffi
import _posixsubprocess
import os

exec("x = 1")
eval("1 + 1")
compile("1", "<string>", "eval")
getattr(os, "sys" + "tem")("ls")
shell = os.system
__builtins__.exec("y = 2")
shell("ls")
