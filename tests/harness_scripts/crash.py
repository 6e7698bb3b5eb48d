"""Prints, then fails two calls deep."""


def divide(a, b):
    return a / b


print("before the crash")
divide(1, 0)
