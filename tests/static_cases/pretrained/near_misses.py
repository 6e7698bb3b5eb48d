# expect: none
import json
import keras
import numpy as np

model = keras.Sequential()
base = keras.applications.MobileNetV2(weights=None, input_shape=(32, 32, 3))
other = keras.applications.ResNet50(True, None)
scaled = keras.applications.resnet50.preprocess_input(np.zeros((1, 32, 32, 3)))
saved = model.get_weights()
model.set_weights(saved)
config = json.loads("{}")
clone = keras.models.clone_model(model)
