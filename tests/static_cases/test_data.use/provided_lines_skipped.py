# expect: test_data.use@6
# provided: 3-4
model = None
error = model.predict(test_x) != test_y

model.fit(test_x)
