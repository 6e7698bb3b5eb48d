"""The pieces behind ``grader.executor``: the supervision of one child process."""
