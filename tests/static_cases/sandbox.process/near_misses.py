# expect: none
import ast
import os
import re
import threading
from concurrent.futures import ThreadPoolExecutor

import tensorflow as tf

pattern = re.compile("x")
model = tf.keras.Sequential()
model.compile(optimizer="adam")
value = ast.literal_eval("1")
pid = os.getpid()
path = os.path.join("a", "b")
with ThreadPoolExecutor(2) as pool:
    pass
lock = threading.Lock()
