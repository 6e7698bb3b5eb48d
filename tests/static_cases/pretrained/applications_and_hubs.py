# expect: pretrained@2, pretrained@6, pretrained@7, pretrained@8, pretrained@9
import tensorflow_hub as hub
import keras
import tensorflow as tf

base = keras.applications.MobileNetV2(input_shape=(32, 32, 3))
tf.keras.applications.ResNet50(weights="imagenet")
keras.applications.resnet50.ResNet50(False, "imagenet")
keras.applications.MobileNetV2.from_preset("mobilenet")
