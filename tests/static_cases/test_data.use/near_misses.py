# expect: none
class Data:
    def __init__(self, values):
        self.test_x = values  # another object's field, not the test set


data = Data([1])
print(data.test_x)
test_xs_count = 3
note = "test_x is used by the provided code only"
