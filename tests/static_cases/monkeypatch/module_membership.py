# expect: monkeypatch@10, monkeypatch@11, monkeypatch@12, monkeypatch@13
# Asking whether a module was imported (Colab, a notebook) reads sys.modules and changes nothing;
# writing it, or reaching a module through it on the same line, still counts.
import sys

IN_COLAB = "google.colab" in sys.modules
NOT_IN_NOTEBOOK = "ipykernel" not in sys.modules.keys()
if "google.colab" in sys.modules:
    print("running on Colab")
sys.modules["google.colab"] = None
loaded = sys.modules.get("numpy")
"numpy" in sys.modules and sys.modules.pop("numpy")
print(len(sys.modules))
