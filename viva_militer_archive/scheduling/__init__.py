"""The scheduler daemon: recurring crawls, each in a child process, with health checks."""
