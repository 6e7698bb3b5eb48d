"""grader: marks "Assignment 3: CNNs and RNNs" submissions, fairly and without being fooled."""

__version__ = "0.1.0"
