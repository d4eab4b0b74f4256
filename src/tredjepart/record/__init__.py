"""Recording: the one recorder and its two transports (in-thread; a worker process), attribution of each observed
flow, finding bookkeeping, sessions, offline reading of captures, and the DNS resolver. The only floor with I/O
besides the store."""
