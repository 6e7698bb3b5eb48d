"""The pieces behind ``grader.executor``: supervising one child process and its cgroups."""
