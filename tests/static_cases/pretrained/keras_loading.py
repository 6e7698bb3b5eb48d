# expect: pretrained@8, pretrained@9, pretrained@10, pretrained@11, pretrained@12, pretrained@13, sandbox.file@8, sandbox.file@9, sandbox.file@10, sandbox.file@11, sandbox.file@12, sandbox.file@13
import tensorflow as tf
import keras
from keras.models import load_model as lm
from tensorflow.keras import Model

model = keras.Sequential()
model.load_weights("weights.h5")
keras.models.load_model("model.keras")
tf.keras.saving.load_model("model.keras")
tf.saved_model.load("saved")
lm("model.keras")
Model.load_weights(model, "weights.h5")
