# expect: none
import os
import sklearn
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
from sklearn import metrics
import tensorflow as tf

os.environ["KERAS_BACKEND"] = "tensorflow"
torch = "a variable, not the library"
print(torch, metrics.accuracy_score, StandardScaler, train_test_split, sklearn.__version__)
