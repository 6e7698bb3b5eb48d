# expect: seed@5, seed@6, seed@7, seed@8, seed@9, seed@11, seed@12
import os

env = os.environ
os.environ["PYTHONHASHSEED"] = "0"
os.environ.update({"PYTHONHASHSEED": "0"})
os.environ.update(PYTHONHASHSEED="1")
os.environ.setdefault("TF_DETERMINISTIC_OPS", "1")
os.putenv("PYTHONHASHSEED", "0")
# an alias of os.environ, and the merge operator
env["PYTHONHASHSEED"] = "2"
os.environ |= {"PYTHONHASHSEED": "3"}
