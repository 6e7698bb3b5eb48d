"""Does not parse."""

print("never"
