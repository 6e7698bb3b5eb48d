# expect: pretrained@9, pretrained@11, pretrained@12, pretrained@13, pretrained@14, sandbox.file@9, sandbox.file@10, sandbox.file@12, sandbox.file@13, sandbox.file@14
import pickle
import numpy as np
import joblib
import h5py
import tensorflow as tf

checkpoint = tf.train.Checkpoint()
weights = np.load("weights.npy")
with open("weights.pkl", "rb") as handle:
    state = pickle.load(handle)
model = joblib.load("model.joblib")
archive = h5py.File("weights.h5")
checkpoint.restore("ckpt-1").expect_partial()
