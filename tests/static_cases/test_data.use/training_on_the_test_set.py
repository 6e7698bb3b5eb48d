# expect: test_data.use@5, test_data.use@6, test_data.use@7, test_data.use@8, test_data.use@9, test_data.use@11, test_data.use@12
model = scaler = train_x = train_y = None
callbacks = []

model.fit(test_x, test_y)
model.fit(train_x, train_y, validation_data=(test_x, test_y))
scaler.fit(test_x)
callbacks.append(lambda epoch: model.evaluate(test_x, test_y))
everything = train_x + test_x
# the test set rebound or deleted
test_x = train_x[:1000]
del test_y
